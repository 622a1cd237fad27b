using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Cndr.Testing;

/// <summary>
/// A real Redis Cluster on this machine: <c>redis-server --cluster-enabled yes</c> on free loopback ports, joined by
/// <c>redis-cli --cluster create</c> (every slot assigned, masters first, then <c>replicasPerMaster</c> replicas each).
/// Persistence is off; the cluster layout (nodes.conf) lives in a temporary directory, so a killed server comes back in its
/// place. A missing redis-server or redis-cli is a loud failure, never a skip.
/// </summary>
public sealed class RedisCluster : IRedisDeployment
{
    private readonly string _dir;
    private readonly List<RedisServer> _servers = [];

    private RedisCluster(string dir) => _dir = dir;

    /// <summary>Every server, masters first (in the order <c>--cluster create</c> was given them).</summary>
    public IReadOnlyList<RedisServer> Servers => _servers;

    public int MasterCount { get; private set; }

    public string Host => "127.0.0.1";

    public int Port => _servers[0].Port;

    public bool IsCluster => true;

    /// <summary>Every server as a seed (the client discovers the layout from any of them).</summary>
    public string Endpoints => string.Join(',', _servers.Select(s => $"{s.Host}:{s.Port}"));

    public string ConnectionString => Endpoints + ",abortConnect=false,connectTimeout=2000,syncTimeout=3000,allowAdmin=true";

    public static async Task<RedisCluster> StartAsync(int masters = 3, int replicasPerMaster = 0)
    {
        for (var attempt = 0; ; attempt++)
        {
            var cluster = new RedisCluster(Directory.CreateTempSubdirectory("cndr-cluster-").FullName);
            try
            {
                await cluster.StartServersAsync(masters * (1 + replicasPerMaster));
                cluster.MasterCount = masters;
                var create = new List<string> { "--cluster", "create" };
                create.AddRange(cluster._servers.Select(s => $"{s.Host}:{s.Port}"));
                create.AddRange(["--cluster-replicas", replicasPerMaster.ToString(CultureInfo.InvariantCulture), "--cluster-yes"]);
                var (code, output) = await RunCliAsync(create, TimeSpan.FromSeconds(60));
                if (code != 0)
                {
                    throw new InvalidOperationException($"redis-cli --cluster create failed ({code}): {output}");
                }

                await cluster.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
                return cluster;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // A port (or its cluster bus port, +10000) was taken between the check and the bind: start over.
                await cluster.DisposeAsync();
            }
        }
    }

    private async Task StartServersAsync(int count)
    {
        foreach (var port in FreePortPairs(count))
        {
            _servers.Add(await RedisServer.StartAsync(port, extraArgs:
            [
                "--cluster-enabled", "yes",
                "--cluster-config-file", Path.Combine(_dir, $"nodes-{port}.conf"),
                "--cluster-node-timeout", "3000",
                "--dir", _dir,
            ]));
        }
    }

    /// <summary>
    /// Waits until every running server says <c>cluster_state:ok</c> with all 16384 slots assigned: the state after create,
    /// a restart or a failover (a killed server is left out).
    /// </summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var ready = true;
            foreach (var s in _servers.Where(s => s.IsRunning))
            {
                var (_, info) = await RunCliAsync(["-p", s.Port.ToString(CultureInfo.InvariantCulture), "cluster", "info"], TimeSpan.FromSeconds(5));
                if (!info.Contains("cluster_state:ok", StringComparison.Ordinal) || !info.Contains("cluster_slots_ok:16384", StringComparison.Ordinal))
                {
                    ready = false;
                    break;
                }
            }

            if (ready)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the Redis Cluster did not reach cluster_state:ok");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Runs <c>redis-cli</c> against server <paramref name="port"/>: its output (a failed command's error included).</summary>
    public static async Task<string> CliAsync(int port, params string[] args)
    {
        var all = new List<string> { "-p", port.ToString(CultureInfo.InvariantCulture) };
        all.AddRange(args);
        return (await RunCliAsync(all, TimeSpan.FromSeconds(30))).Output.Trim();
    }

    /// <summary>Waits until every replica of <paramref name="master"/> has received all its writes (replication offsets equal).</summary>
    public static async Task WaitForReplicasAsync(RedisServer master, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var info = await CliAsync(master.Port, "info", "replication");
            var lines = info.Split('\n', StringSplitOptions.TrimEntries);
            var offset = lines.FirstOrDefault(l => l.StartsWith("master_repl_offset:", StringComparison.Ordinal))?["master_repl_offset:".Length..];
            var replicas = lines.Where(l => l.StartsWith("slave", StringComparison.Ordinal) && l.Contains("offset=", StringComparison.Ordinal)).ToList();
            if (offset is not null && replicas.Count > 0 && replicas.All(l => l.Contains($"offset={offset},", StringComparison.Ordinal)))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the replicas of {master.Port} did not catch up: {info}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The server that owns <paramref name="key"/>'s slot now (CLUSTER KEYSLOT, then CLUSTER SLOTS of any master).</summary>
    public async Task<RedisServer> OwnerOfAsync(string key)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var endpoint = (IPEndPoint)(await mux.GetDatabase().IdentifyEndpointAsync(key))!;
        return _servers.Single(s => s.Port == endpoint.Port);
    }

    /// <summary>
    /// Moves hash slot <paramref name="slot"/> from master <paramref name="from"/> to master <paramref name="to"/> the way
    /// <c>redis-cli --cluster reshard</c> does: <c>CLUSTER SETSLOT IMPORTING</c> on the target, <c>MIGRATING</c> on the source,
    /// <c>MIGRATE ... KEYS</c> a few keys at a time (pausing <paramref name="pauseBetweenBatches"/> between batches, so that
    /// clients meet the slot half moved: ASK and TRYAGAIN), then <c>CLUSTER SETSLOT NODE</c> on the target, the source and
    /// every other master. Returns the number of keys moved.
    /// </summary>
    public async Task<int> MigrateSlotAsync(int slot, RedisServer from, RedisServer to, TimeSpan pauseBetweenBatches, int batch = 2)
    {
        var s = slot.ToString(CultureInfo.InvariantCulture);
        var fromId = await CliAsync(from.Port, "cluster", "myid");
        var toId = await CliAsync(to.Port, "cluster", "myid");
        Expect("OK", await CliAsync(to.Port, "cluster", "setslot", s, "importing", fromId));
        Expect("OK", await CliAsync(from.Port, "cluster", "setslot", s, "migrating", toId));
        var moved = 0;
        while (true)
        {
            var keys = (await CliAsync(from.Port, "cluster", "getkeysinslot", s, batch.ToString(CultureInfo.InvariantCulture)))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (keys.Length == 0)
            {
                break;
            }

            string[] migrate = ["migrate", to.Host, to.Port.ToString(CultureInfo.InvariantCulture), "", "0", "5000", "keys", .. keys];
            Expect("OK", await CliAsync(from.Port, migrate));
            moved += keys.Length;
            await Task.Delay(pauseBetweenBatches);
        }

        // The target first, then the source (which then sends its shard-channel subscribers SUNSUBSCRIBE), then the rest.
        Expect("OK", await CliAsync(to.Port, "cluster", "setslot", s, "node", toId));
        Expect("OK", await CliAsync(from.Port, "cluster", "setslot", s, "node", toId));
        foreach (var other in _servers.Take(MasterCount).Where(m => m != from && m != to && m.IsRunning))
        {
            Expect("OK", await CliAsync(other.Port, "cluster", "setslot", s, "node", toId));
        }

        return moved;

        static void Expect(string expected, string actual)
        {
            if (actual != expected)
            {
                throw new InvalidOperationException($"redis-cli answered '{actual}', expected '{expected}'");
            }
        }
    }

    /// <summary>The hash slot of <paramref name="key"/> (CLUSTER KEYSLOT).</summary>
    public async Task<int> SlotOfAsync(string key) =>
        int.Parse(await CliAsync(Port, "cluster", "keyslot", key), CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public async Task<List<string>> KeysAsync(string pattern)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var keys = new List<string>();
        foreach (var server in mux.GetServers())
        {
            if (server.IsConnected && !server.IsReplica)
            {
                await foreach (var k in server.KeysAsync(pattern: pattern))
                {
                    keys.Add(k.ToString());
                }
            }
        }

        return keys;
    }

    /// <inheritdoc />
    public void Kill()
    {
        foreach (var s in _servers)
        {
            s.Kill();
        }
    }

    /// <inheritdoc />
    /// <remarks>The servers come back with their nodes.conf: the same cluster, slots and roles, without data.</remarks>
    public async Task RestartAsync()
    {
        foreach (var s in _servers)
        {
            await s.RestartAsync();
        }

        await WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _servers)
        {
            await s.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<(int ExitCode, string Output)> RunCliAsync(IReadOnlyList<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo("redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("redis-cli did not start: install the Debian package redis-tools");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"redis-cli {string.Join(' ', args)} did not finish in {timeout}");
        }

        return (p.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// Free loopback ports whose cluster bus port (+10000) is free too, both below Linux's ephemeral range (32768+) so that
    /// outgoing connections cannot take them first.
    /// </summary>
    private static List<int> FreePortPairs(int count)
    {
        var ports = new List<int>();
        for (var i = 0; i < 2000 && ports.Count < count; i++)
        {
            var candidate = Random.Shared.Next(20_000, 22_700);
            if (!ports.Contains(candidate) && IsFree(candidate) && IsFree(candidate + 10_000))
            {
                ports.Add(candidate);
            }
        }

        return ports.Count == count ? ports : throw new InvalidOperationException("no free loopback port pairs in 20000-32700");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            l.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
