using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Cndr.Core;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;

namespace Cndr.Benchmarks;

/// <summary>
/// The Redis store's hot-path calls against a local redis-server: building the EVALSHA (keys, bytes) and one round trip.
/// Uses the server on <c>REDIS_PORT</c> (127.0.0.1) when set; otherwise starts <c>redis-server</c> on a free loopback port
/// (persistence off) and stops it afterwards. <c>Pipelined64</c> issues 64 writes to 64 rooms before awaiting them,
/// as a node's relay does under load (per-operation figures).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class RedisRoundTripBenchmarks
{
    private const int Pipeline = 64;
    private readonly byte[] _state = "{\"round\":3,\"currentPlayer\":\"5b0c3c2e-8f0e-4a53-9d8e-2a1f0d6c7b11\",\"board\":[1,2,3,4,5,6,7,8,9],\"scores\":{\"a\":10,\"b\":15}}"u8.ToArray();
    private readonly byte[] _entry = "{\"clientId\":\"5b0c3c2e-8f0e-4a53-9d8e-2a1f0d6c7b11\",\"role\":\"player\",\"message\":{\"type\":\"move\",\"x\":3},\"timestamp\":1700000000000}"u8.ToArray();
    private readonly byte[] _answer = "\"option_1\""u8.ToArray();
    private readonly RoomCode[] _rooms = new RoomCode[Pipeline];
    private readonly Task<StateWriteResult>[] _pending = new Task<StateWriteResult>[Pipeline];
    private Process? _server;
    private RedisConnection _connection = null!;
    private RedisRelayStore _store = null!;
    private long _now = 1_700_000_000_000;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var portText = Environment.GetEnvironmentVariable("REDIS_PORT");
        int port;
        if (portText is null)
        {
            port = FreePort();
            _server = StartServer(port);
        }
        else
        {
            port = int.Parse(portText, CultureInfo.InvariantCulture);
        }

        _connection = await ConnectWithRetryAsync(port);
        _store = new RedisRelayStore(_connection);
        for (var i = 0; i < Pipeline; i++)
        {
            RoomCode.TryParse($"BENCH{i:D2}", out _rooms[i]);
            await _store.DeleteRoomAsync(_rooms[i]);
            await _store.CreateRoomAsync(_rooms[i], new RoomConfig("bench-key", "", 0, 0, 1), _now);
        }

        await _store.StartPollAsync(_rooms[0], new PollDefinition("q", PollType.SingleChoice, "?", ["a", "b"], true, 0), _now);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        foreach (var room in _rooms)
        {
            await _store.DeleteRoomAsync(room);
        }

        await _connection.DisposeAsync();
        if (_server is { HasExited: false })
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task<long> SetGameState() => (await _store.SetGameStateAsync(_rooms[0], _state, ++_now)).Rev;

    [Benchmark]
    public async Task<EnqueueOutcome> EnqueueToHost()
    {
        var outcome = await _store.EnqueueToHostAsync(_rooms[1], _entry, 1000, ++_now);
        if (outcome == EnqueueOutcome.QueueFull)
        {
            // Empty it as a host would: the host claims, acks what it read, leaves.
            await _store.ClaimHostAsync(_rooms[1], "bench-drain", "bench", ++_now);
            await _store.AckToHostAsync(_rooms[1], "bench-drain", 1000);
            await _store.ReleaseHostAsync(_rooms[1], "bench-drain", ++_now);
        }

        return outcome;
    }

    [Benchmark]
    public async Task<PollOutcome> RecordPollResponse() => await _store.RecordPollResponseAsync(_rooms[0], "q", "aud-1", _answer, ++_now);

    [Benchmark(OperationsPerInvoke = Pipeline)]
    public async Task SetGameStatePipelined64()
    {
        var now = ++_now;
        for (var i = 0; i < Pipeline; i++)
        {
            _pending[i] = _store.SetGameStateAsync(_rooms[i], _state, now).AsTask();
        }

        await Task.WhenAll(_pending);
    }

    private static async Task<RedisConnection> ConnectWithRetryAsync(int port)
    {
        var options = new RedisStoreOptions { Host = "127.0.0.1", Port = port, ConnectTimeoutMs = 1000 };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await RedisConnection.ConnectAsync(options);
            }
            catch (StoreUnavailableException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static Process StartServer(int port)
    {
        var psi = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning" })
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start (install it or set REDIS_PORT)");
        p.OutputDataReceived += static (_, _) => { };
        p.ErrorDataReceived += static (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
