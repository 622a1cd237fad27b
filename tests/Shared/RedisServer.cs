using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cndr.Testing;

/// <summary>
/// A real <c>redis-server</c> (Debian package) started on a free loopback port for one test class or
/// collection, with persistence off. A missing server is a loud failure, never a skip.
/// </summary>
public sealed class RedisServer : IRedisDeployment, IDisposable
{
    private Process? _process;
    private IReadOnlyList<string> _extraArgs = [];

    public bool IsCluster => false;

    /// <summary>False once <see cref="Kill"/>ed (until restarted).</summary>
    public bool IsRunning => _process is { HasExited: false };

    public int Port { get; private set; }

    public string Host => "127.0.0.1";

    /// <summary>StackExchange.Redis configuration string for this server.</summary>
    public string ConnectionString => $"{Host}:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=3000";

    /// <summary>Starts a server; <paramref name="extraArgs"/> are more redis-server flags (e.g. cluster mode).</summary>
    public static async Task<RedisServer> StartAsync(int? port = null, string? password = null, IReadOnlyList<string>? extraArgs = null)
    {
        var s = new RedisServer { _extraArgs = extraArgs ?? [] };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await s.StartProcessAsync(port ?? FreePort(), password);
                return s;
            }
            catch (InvalidOperationException) when (port is null && attempt < 5)
            {
                // The port was taken between the check and redis-server's bind (another test, an outgoing
                // connection): try another one.
                s.Kill();
            }
        }
    }

    private async Task StartProcessAsync(int port, string? password)
    {
        Port = port;
        var exe = FindRedisServer();
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning" })
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var a in _extraArgs)
        {
            psi.ArgumentList.Add(a);
        }

        if (password is not null)
        {
            psi.ArgumentList.Add("--requirepass");
            psi.ArgumentList.Add(password);
        }

        _process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode} (port {port})");
            }

            if (await PingAsync(password))
            {
                // Make sure it was our server that answered, not another one on the same port.
                await Task.Delay(50);
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"redis-server exited with {_process.ExitCode} (port {port})");
                }

                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"redis-server did not answer PING on port {port}");
    }

    /// <summary>Kills the server (simulating an outage). <see cref="RestartAsync"/> brings it back on the same port.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Stops the server without ending it (SIGSTOP): connections stay open and nothing is answered, as with a hung Redis.</summary>
    public void Pause() => Signal(19);

    /// <summary>Lets a paused server go on (SIGCONT).</summary>
    public void Resume() => Signal(18);

    private void Signal(int signal)
    {
        if (_process is not { HasExited: false } p || SendSignal(p.Id, signal) != 0)
        {
            throw new InvalidOperationException($"could not signal redis-server ({signal})");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);

    public async Task RestartAsync(string? password = null)
    {
        Kill();
        await StartProcessAsync(Port, password);
    }

    Task IRedisDeployment.RestartAsync() => RestartAsync();

    /// <inheritdoc />
    public async Task<List<string>> KeysAsync(string pattern)
    {
        await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var keys = new List<string>();
        await foreach (var k in mux.GetServer(Host, Port).KeysAsync(pattern: pattern))
        {
            keys.Add(k.ToString());
        }

        return keys;
    }

    private async Task<bool> PingAsync(string? password)
    {
        try
        {
            using var c = new TcpClient();
            using var cts = new CancellationTokenSource(500);
            await c.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
            var stream = c.GetStream();
            var cmd = password is null ? "PING\r\n" : $"AUTH {password}\r\nPING\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(cmd), cts.Token);
            var buf = new byte[256];
            var read = 0;
            while (read < buf.Length)
            {
                var n = await stream.ReadAsync(buf.AsMemory(read), cts.Token);
                if (n == 0)
                {
                    break;
                }

                read += n;
                if (Encoding.ASCII.GetString(buf, 0, read).Contains("PONG", StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
        }

        return false;
    }

    /// <summary>
    /// A free loopback port below Linux's ephemeral range (32768+), so that outgoing connections, which take
    /// ephemeral ports, cannot grab it between this check and the server's bind.
    /// </summary>
    public static int FreePort()
    {
        for (var i = 0; i < 200; i++)
        {
            var candidate = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var l = new TcpListener(IPAddress.Loopback, candidate);
                l.Start();
                l.Stop();
                return candidate;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free loopback port in 20000-32000");
    }

    private static string FindRedisServer()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/local/bin"))
        {
            var p = Path.Combine(dir, "redis-server");
            if (File.Exists(p))
            {
                return p;
            }
        }

        throw new InvalidOperationException("redis-server is not installed: run scripts/test.sh (it installs the Debian package)");
    }

    public void Dispose() => Kill();

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }
}
