using System.Diagnostics;
using Cndr.Transport.SocketIO;

namespace Cndr.Transport.Tests;

/// <summary>The official socket.io-client (npm, tests/interop) against the transport, per transport mode.</summary>
public class InteropTests
{
    private static readonly SemaphoreSlim s_npm = new(1, 1);
    private static bool s_installed;

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cndr.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cndr.sln not found above " + AppContext.BaseDirectory);
    }

    private static async Task EnsureNodeModulesAsync(string interop)
    {
        await s_npm.WaitAsync();
        try
        {
            if (s_installed || Directory.Exists(Path.Combine(interop, "node_modules", "socket.io-client")))
            {
                s_installed = true;
                return;
            }

            var (code, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], interop, TimeSpan.FromSeconds(120));
            Assert.True(code == 0, "npm ci failed: " + output);
            s_installed = true;
        }
        finally
        {
            s_npm.Release();
        }
    }

    internal static async Task<(int Code, string Output)> RunAsync(string file, string[] args, string cwd, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
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
            return (-1, "timed out: " + await stdout + await stderr);
        }

        return (p.ExitCode, await stdout + await stderr);
    }

    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    [InlineData("default")]
    public async Task OfficialClientPassesEveryInteropCheck(string transport)
    {
        var root = RepoRoot();
        var interop = Path.Combine(root, "tests", "interop");
        await EnsureNodeModulesAsync(interop);
        await using var server = new TestServer();
        var (code, output) = await RunAsync("node", [Path.Combine(interop, "transport-client.mjs"), server.Url, transport], interop, TimeSpan.FromSeconds(40));
        Assert.True(code == 0, output);
        Assert.Contains("\"ok\":true", output, StringComparison.Ordinal);

        // The client-side disconnect of the "leaver" connection reached the server as a namespace disconnect,
        // the kicked one as a server disconnect.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && server.Handler.Disconnects.Count < 2)
        {
            await Task.Delay(20);
        }

        Assert.Contains(server.Handler.Disconnects, d => d.Auth.Contains("leaver", StringComparison.Ordinal) && d.Reason == DisconnectReason.ClientNamespaceDisconnect);
        Assert.Contains(server.Handler.Disconnects, d => d.Auth.Contains("abc", StringComparison.Ordinal) && d.Reason == DisconnectReason.ServerNamespaceDisconnect);
    }
}
