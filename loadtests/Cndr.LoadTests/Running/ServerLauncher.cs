using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cndr.LoadTests.Running;

/// <summary>
/// Starts a server command per node (<c>/bin/sh -c "exec COMMAND"</c>, so the PID is the server's own)
/// with PORT, NODE_ID, REDIS_HOST, REDIS_PORT and any --server-env set; stops exactly the processes it
/// started.
/// </summary>
internal sealed class ServerLauncher : IAsyncDisposable
{
    private readonly List<Process> _started = [];

    public async Task<(List<string> Urls, List<int> Pids)> StartAsync(TargetSpec spec, Options options, string logDir, Action<string> log, CancellationToken cancellationToken)
    {
        var urls = new List<string>();
        var pids = new List<int>();
        for (var n = 0; n < options.Nodes; n++)
        {
            var port = FreePort();
            var psi = new ProcessStartInfo("/bin/sh", ["-c", "exec " + spec.StartCommand])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            psi.Environment["NODE_ID"] = $"{spec.Label}-{n}";
            psi.Environment["REDIS_HOST"] = options.RedisHost;
            psi.Environment["REDIS_PORT"] = options.RedisPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";
            psi.Environment["BIND_ADDRESS"] = "127.0.0.1";
            foreach (var (k, v) in options.ServerEnv)
            {
                psi.Environment[k] = v;
            }

            var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start '{spec.StartCommand}'");
            _started.Add(process);
            Directory.CreateDirectory(logDir);
            var logFile = Path.Combine(logDir, $"server-{spec.Label}-{n}.log");
            _ = PumpAsync(process.StandardOutput, logFile);
            _ = PumpAsync(process.StandardError, logFile);
            await WaitForPortAsync(port, process, TimeSpan.FromSeconds(60), cancellationToken);
            log($"{spec.Label}: started node {n} (pid {process.Id}) on 127.0.0.1:{port}; log {logFile}");
            urls.Add($"http://127.0.0.1:{port}");
            pids.Add(process.Id);
        }

        return (urls, pids);
    }

    private static readonly Lock s_logLock = new();

    private static async Task PumpAsync(StreamReader reader, string file)
    {
        try
        {
            string? line;
            while ((line = await reader.ReadLineAsync()) is not null)
            {
                lock (s_logLock)
                {
                    File.AppendAllText(file, line + "\n");
                }
            }
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static async Task WaitForPortAsync(int port, Process process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"server exited with code {process.ExitCode} before listening on {port}");
            }

            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        throw new TimeoutException($"server did not listen on {port} within {timeout.TotalSeconds} s");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _started)
        {
            if (p.HasExited)
            {
                continue;
            }

            // SIGTERM first (graceful), SIGKILL after 5 s.
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
            {
                if (kill is not null)
                {
                    await kill.WaitForExitAsync();
                }
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await p.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill();
            }

            p.Dispose();
        }

        _started.Clear();
    }
}
