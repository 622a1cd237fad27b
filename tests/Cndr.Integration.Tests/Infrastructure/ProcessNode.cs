using System.Diagnostics;
using System.Text.RegularExpressions;
using Cndr.Testing;

namespace Cndr.Integration.Tests.Infrastructure;

/// <summary>
/// A cndr node in its own process (the built <c>cndr.dll</c>) on a real redis-server, so a test can SIGKILL it:
/// no drain, no deregistration, as when a machine dies.
/// </summary>
public static partial class ProcessNode
{
    /// <summary>Starts the node with a 200 ms heartbeat and 1500 ms node timeout, plus <paramref name="env"/>.</summary>
    public static Process Start(RedisServer redis, string nodeId, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cndr.dll"));
        psi.Environment["PORT"] = "0";
        psi.Environment["BIND_ADDRESS"] = "127.0.0.1";
        psi.Environment["REDIS_HOST"] = redis.Host;
        psi.Environment["REDIS_PORT"] = redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["NODE_ID"] = nodeId;
        psi.Environment["HEARTBEAT_INTERVAL_MS"] = "200";
        psi.Environment["NODE_TIMEOUT_MS"] = "1500";
        psi.Environment["DEMO_ROOM"] = "false";
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        return Process.Start(psi)!;
    }

    /// <summary>The URL the node logs once it listens (its output is drained from then on).</summary>
    public static async Task<string> ListeningUrlAsync(Process node)
    {
        _ = node.StandardOutput.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var line = await node.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(line is not null, "the node process exited before listening");
            if (Listening().Match(line) is { Success: true } m)
            {
                _ = node.StandardError.ReadToEndAsync();
                return m.Groups[1].Value;
            }
        }

        throw new TimeoutException("the node process did not start listening");
    }

    [GeneratedRegex(@"listening on (https?://\S+)")]
    private static partial Regex Listening();
}
