using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cndr.Integration.Tests.Infrastructure;

namespace Cndr.Integration.Tests;

/// <summary>
/// What the README promises a newcomer, run as processes: the server starts on the embedded store and prints a
/// ready demo room; the scripted round from examples/ plays it; the CLI creates rooms; SIGTERM drains and exits 0.
/// </summary>
public sealed partial class NewcomerTests
{
    private static string CndrDll => Path.Combine(AppContext.BaseDirectory, "cndr.dll");

    private static ProcessStartInfo Cndr(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(CndrDll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    private static Task<(int Code, string Out, string Err)> RunAsync(ProcessStartInfo psi, int timeoutMs = 30_000) =>
        ExternalProcess.RunAsync(psi, timeoutMs);

    [Fact]
    public async Task ServerPrintsADemoRoomThatTheQuickstartPlaysAndSigtermDrainsAndExitsZero()
    {
        var psi = Cndr();
        psi.Environment["PORT"] = "0";
        psi.Environment["BIND_ADDRESS"] = "127.0.0.1";
        psi.Environment["DRAIN_TIMEOUT_MS"] = "3000";
        using var server = Process.Start(psi)!;
        var stdout = server.StandardOutput.ReadToEndAsync();
        try
        {
            string? url = null, code = null, key = null;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((url is null || code is null) && DateTime.UtcNow < deadline)
            {
                var line = await server.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
                Assert.NotNull(line);
                if (Listening().Match(line!) is { Success: true } l)
                {
                    url = l.Groups[1].Value;
                }

                if (DemoRoom().Match(line!) is { Success: true } d)
                {
                    code = d.Groups[1].Value;
                    key = d.Groups[2].Value;
                }
            }

            Assert.NotNull(url);
            Assert.NotNull(code);
            _ = server.StandardError.ReadToEndAsync();

            var node = new ProcessStartInfo("node") { WorkingDirectory = RepoPaths.Root, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "examples/quickstart.mjs", url!, code!, key! })
            {
                node.ArgumentList.Add(a);
            }

            var round = await RunAsync(node);
            Assert.True(round.Code == 0, round.Out + round.Err);
            Assert.Contains("a whole round worked", round.Out, StringComparison.Ordinal);

            // The CLI creates more rooms through the admin API (open on loopback with the embedded store).
            var created = await RunAsync(Cndr("create-room", "--url", url!, "--max-players", "4"));
            Assert.True(created.Code == 0, created.Err);
            var room = JsonNode.Parse(created.Out)!;
            Assert.Equal(6, room["roomCode"]!.GetValue<string>().Length);
            Assert.False(string.IsNullOrEmpty(room["hostKey"]!.GetValue<string>()));
            Assert.Equal(4, room["maxPlayers"]!.GetValue<int>());

            // SIGTERM: drain, deregister, exit 0.
            Assert.Equal(0, Kill(server.Id, 15));
            using var cts = new CancellationTokenSource(15_000);
            await server.WaitForExitAsync(cts.Token);
            Assert.Equal(0, server.ExitCode);
            Assert.Contains("node_drained", await stdout, StringComparison.Ordinal);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task HelpListsTheSettingsAndABadValueStopsStartUpNamingTheSetting()
    {
        var help = await RunAsync(Cndr("--help"));
        Assert.Equal(0, help.Code);
        Assert.Contains("RATE_LIMIT_MESSAGES --rate-limit-messages", help.Out, StringComparison.Ordinal);

        var bad = await RunAsync(Cndr("--port", "http"));
        Assert.Equal(2, bad.Code);
        Assert.Contains("PORT", bad.Err, StringComparison.Ordinal);

        var unknown = await RunAsync(Cndr("frobnicate"));
        Assert.Equal(2, unknown.Code);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"listening on (https?://\S+)")]
    private static partial Regex Listening();

    [GeneratedRegex(@"Demo room (\w+)\s+host key (\S+)")]
    private static partial Regex DemoRoom();
}
