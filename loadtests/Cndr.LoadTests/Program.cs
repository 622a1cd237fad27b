using Cndr.LoadTests.Running;
using Spectre.Console;

namespace Cndr.LoadTests;

public static class Program
{
    private const string Help = """
        cndr-load — load tests for cndr (and anything speaking its protocol, e.g. loadtests/reference)

        usage: cndr-load <scenario> [target] [options]

        scenarios (each step is bounded by --duration AND --max-count, and stops by itself):
          fanout      R rooms × (1 host + P players + A audience); hosts send set_game_state at the rate
                      (updates/s per room) with S-byte states → deliveries/s, latency, lost deliveries
          inbound     players and audience send message_to_host at the rate (messages/s total) → same at the hosts
          polls       R rooms × (1 host + A audience): poll_start, answers at the rate (answers/s total, each
                      member once), poll_end, poll_results_request; results must match the acked answers exactly
          connect     ramp to --connections at the rate (connections/s), hold --hold idle → handshakes/s,
                      CPU per handshake, server RSS per idle connection (needs --server-pid)
          churn       R rooms × (1 host + P players); players drop their TCP connection and reclaim their seat
                      with clientId + seatToken at the rate (reclaims/s total)
          crossnode   fanout then inbound with receivers/senders on other nodes than their host (several --url)
          crossnode-fanout, crossnode-inbound   one phase of crossnode alone (e.g. to saturate it)

        target (one of):
          --url URL                 a node, e.g. http://127.0.0.1:3000 (repeat for several nodes)
          --server-pid PID          the server's PID (repeat per node): CPU and RSS from /proc
          --label NAME              name of the --url target in reports (default: target)
          --target NAME=URL[,URL…][@PID[,PID…]]   a named target (use two with --compare)
          --start NAME=COMMAND      start the server: /bin/sh -c "exec COMMAND" with PORT, NODE_ID,
                                    REDIS_HOST, REDIS_PORT, BIND_ADDRESS=127.0.0.1 set; stopped at the end
          --nodes N                 nodes per --start target (default 1)
          --hosts-on-first-node     crossnode: every host on the first node, every player and audience member on
                                    the others (default: hosts spread over the nodes)
          --redis-host H / --redis-port P   Redis for --start targets (port required with --start)
          --server-env KEY=VALUE    extra environment for --start targets (repeat), e.g. RATE_LIMIT_MESSAGES=1000000
          --compare                 run the same steps against two to four targets alternately; ratios = first / each other
          --floor                   fanout: add the floor as a target ("floor"): cndr-load floor-sender, a process
                                    that writes a pre-built frame of the same size to each receiver with one plain
                                    non-blocking send() per trigger from the host (same sockets, same bursts, no
                                    protocol); with --compare the ratios are first / second and first / floor
          --admin-token TOKEN       bearer token for POST /admin/rooms
          --handshake auth|event    join through connect auth (default) or the handshake event
          --socketio-path PATH      default /socket.io/
          --allow-remote            allow non-loopback targets (refused by default)

        shape of the rooms:
          --rooms R (10)  --players P (8)  --audience A (20)  --size BYTES (1024; state/message size)
          --connections K (1000; connect)  --connect-role audience|player (connect)

        load simulation:
          --load constant|ramp|saturate   (default constant)
          --rate X                  constant rate (default per scenario: fanout 10, inbound 1000, polls 2000,
                                    connect 500, churn 50)
          --rate-from X --rate-to Y --steps N      ramp: N steps from X to Y
          --rate-from X --rate-factor F (1.5) --p99-max-ms MS (100) --max-steps N (12)
                                    saturate: multiply the rate by F each step until p99 > MS, anything is
                                    lost or errors occur, then bisect between the last good and the first
                                    failing rate; reports the highest good step
          --bisect-steps N (3)      saturate: bisection steps after the first failing step
          --inbound-rate X          crossnode: rate of the inbound phase (constant load)
          --duration T (10s)  --warmup T (2s, not recorded)  --hold T (5s, connect)  --drain T (3s: wait for
                                    stragglers with no progress)  --max-count N (10000000 per step)
          --max-lost N (0)  --max-errors N (0)   a step over these fails
          --setup-concurrency N (64) joins in flight during setup
          --io-threads N (1)        generator receive threads (each one epoll loop serving its share of the connections)
          --io-batch-us N (0)       after a wake-up with few ready connections, wait N µs before the next epoll_wait:
                                    fewer wake-ups and context switches, at most N µs added to measured latency
          --no-ack                  fanout/inbound: emit without ack ids (no ack traffic; expected = sent;
                                    failures then show only as relay_error events and lost deliveries)

        output:
          --report-dir DIR          default loadtests/reports/<timestamp>/ (report.md, report.html, steps.csv,
                                    series.csv, steps.json, *.png)
          --no-report               no report folder
          --plain                   plain lines instead of the live display (automatic when not a TTY or CI is set)

        exit code: 0 all steps passed (saturate: a last good step was found and no correctness check failed),
                   1 a step or setup failed, 2 bad usage.

        examples:
          cndr-load fanout --url http://127.0.0.1:3000 --server-pid 1234 --rooms 50 --players 8 --audience 20 --rate 20
          cndr-load inbound --url http://127.0.0.1:3000 --load saturate --rate-from 1000 --p99-max-ms 100
          cndr-load fanout --compare --redis-port 6399 --server-env RATE_LIMIT_MESSAGES=100000000 \
              --start cndr=src/Cndr.Host/bin/Release/net10.0/cndr --start node="node loadtests/reference/server.mjs"
        """;

    public static async Task<int> Main(string[] args)
    {
        // Run socket completions on the epoll thread instead of hopping to the thread pool: the reader's
        // work per message is a few hundred nanoseconds and never blocks, so the hop would dominate.
        // Read once when the socket engine starts, so it must be set before the first socket exists.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
        {
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }

        if (args.Length > 0 && args[0] == "floor-sender")
        {
            return Floor.FloorSender.Run(args);
        }

        if (args.Length == 0 || args.Contains("--help") || args.Contains("-h") || args[0] == "help")
        {
            Console.Out.Write(Help + Environment.NewLine);
            return args.Length == 0 ? 2 : 0;
        }

        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"cndr-load: {e.Message}");
            return 2;
        }

        Client.IoLoop.Threads = options.IoThreads;
        Client.IoLoop.BatchMicros = options.IoBatchMicros;
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        var interactive = !options.Plain && !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
            && AnsiConsole.Profile.Capabilities.Interactive;
        try
        {
            if (interactive)
            {
                var view = new LiveView();
                var code = 0;
                await view.RunAsync(async () => code = await new Runner(options, view).RunAsync(cts.Token));
                return code;
            }

            return await new Runner(options, new PlainView()).RunAsync(cts.Token);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"cndr-load: {e.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("cndr-load: cancelled");
            return 1;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or System.ComponentModel.Win32Exception)
        {
            await Console.Error.WriteLineAsync($"cndr-load: {e.Message}");
            return 1;
        }
    }
}
