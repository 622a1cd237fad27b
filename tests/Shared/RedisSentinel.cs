using System.Diagnostics;
using System.Globalization;

namespace Cndr.Testing;

/// <summary>
/// A real Sentinel on this machine (<c>redis-server &lt;conf&gt; --sentinel</c>: the Debian redis-server package's binary has the
/// Sentinel built in) watching one primary as service <see cref="Service"/>, with a quorum of one and a one-second
/// down-after, so a killed primary is failed over in a few seconds. Its config file (rewritten by the Sentinel) lives in a
/// temporary directory.
/// </summary>
public sealed class RedisSentinel : IAsyncDisposable
{
    private readonly string _dir;
    private Process? _process;

    private RedisSentinel(string dir, string service, int port)
    {
        _dir = dir;
        Service = service;
        Port = port;
    }

    public string Service { get; }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public static async Task<RedisSentinel> StartAsync(RedisServer primary, string service = "cndr")
    {
        var dir = Directory.CreateTempSubdirectory("cndr-sentinel-").FullName;
        var sentinel = new RedisSentinel(dir, service, RedisServer.FreePort());
        var conf = Path.Combine(dir, "sentinel.conf");
        await File.WriteAllTextAsync(conf, string.Join('\n',
            $"port {sentinel.Port}",
            "bind 127.0.0.1",
            $"dir {dir}",
            $"sentinel monitor {service} 127.0.0.1 {primary.Port.ToString(CultureInfo.InvariantCulture)} 1",
            $"sentinel down-after-milliseconds {service} 1000",
            $"sentinel failover-timeout {service} 5000",
            ""));
        var psi = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(conf);
        psi.ArgumentList.Add("--sentinel");
        sentinel._process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server --sentinel did not start");
        sentinel._process.OutputDataReceived += (_, _) => { };
        sentinel._process.ErrorDataReceived += (_, _) => { };
        sentinel._process.BeginOutputReadLine();
        sentinel._process.BeginErrorReadLine();

        // Up once it names the primary.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await sentinel.PrimaryPortAsync() != primary.Port)
        {
            if (sentinel._process.HasExited || DateTime.UtcNow > deadline)
            {
                await sentinel.DisposeAsync();
                throw new InvalidOperationException($"the Sentinel on {sentinel.Port} did not come up watching {primary.Port}");
            }

            await Task.Delay(100);
        }

        return sentinel;
    }

    /// <summary>The port of the primary the Sentinel names now (<c>SENTINEL GET-MASTER-ADDR-BY-NAME</c>), or 0.</summary>
    public async Task<int> PrimaryPortAsync()
    {
        var reply = (await RedisCluster.CliAsync(Port, "sentinel", "get-master-addr-by-name", Service)).Split('\n', StringSplitOptions.TrimEntries);
        return reply.Length == 2 && int.TryParse(reply[1], CultureInfo.InvariantCulture, out var port) ? port : 0;
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
