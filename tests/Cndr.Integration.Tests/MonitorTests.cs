using Cndr.Integration.Tests.Infrastructure;
using Cndr.Testing;

namespace Cndr.Integration.Tests;

/// <summary>
/// The monitor page (/monitor): its embedded files, its guarded event stream, and a real headless Chromium (system
/// browser through puppeteer-core) watching two nodes on one Redis: a room appears when a player joins on the other
/// node, the operator kicks the player, and the player is gone.
/// </summary>
public sealed class MonitorTests : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task ThePageIsEmbeddedAndItsEventStreamIsGuarded()
    {
        await using var node = await TestNode.StartAsync();
        foreach (var (path, type, marker) in new[]
        {
            ("/monitor", "text/html", "monitor.js"),
            ("/monitor/monitor.js", "text/javascript", "/monitor/events"),
            ("/monitor/monitor.css", "text/css", "table"),
        })
        {
            using var res = await TestNode.GetAsync(node.Url + path);
            Assert.Equal(200, (int)res.StatusCode);
            Assert.StartsWith(type, res.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
            Assert.Contains(marker, await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var denied = await TestNode.GetAsync(node.Url + "/monitor/events");
        Assert.Equal(401, (int)denied.StatusCode);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var req = new HttpRequestMessage(HttpMethod.Get, node.Url + "/monitor/events");
        req.Headers.Authorization = new("Bearer", node.Settings.AdminToken);
        using var stream = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)stream.StatusCode);
        Assert.StartsWith("text/event-stream", stream.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.Equal("event: snapshot", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        var data = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("data: {\"now\":", data, StringComparison.Ordinal);
        Assert.Contains(node.NodeId, data, StringComparison.Ordinal);
        Assert.Equal("", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("event: snapshot", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10))); // and again: live
    }

    [Fact]
    public async Task InChromiumARoomAppearsWhenAPlayerJoinsAndTheOperatorKicksThePlayer()
    {
        await using var a = await TestNode.StartAsync(_redis, s => { s.NodeStatusIntervalMs = 200; s.MonitorIntervalMs = 200; });
        await using var b = await TestNode.StartAsync(_redis, s => s.NodeStatusIntervalMs = 200);
        var (code, _) = await a.CreateRoomAsync();
        var screenshot = Environment.GetEnvironmentVariable("CNDR_MONITOR_SCREENSHOT") ?? Path.Combine(Path.GetTempPath(), $"cndr-monitor-{Environment.ProcessId}.png");
        var psi = ExternalProcess.Command("node", RepoPaths.Root, "tests/browser/monitor.mjs", a.Url, b.Url, a.Settings.AdminToken!, code, screenshot);
        var (exit, stdout, stderr) = await ExternalProcess.RunAsync(psi, 150_000);
        Assert.True(exit == 0, $"monitor.mjs exited {exit}\n{stdout}\n{stderr}");
        Assert.Contains("a player appeared, was kicked and is gone", stdout, StringComparison.Ordinal);
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is missing or empty");
    }
}
