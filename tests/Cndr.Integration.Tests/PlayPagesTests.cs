using Cndr.Integration.Tests.Infrastructure;

namespace Cndr.Integration.Tests;

/// <summary>
/// The browser party game (examples/web) that every node serves at /play: the embedded files are served with their
/// types, PLAY_PAGES=false turns them off, and one whole round plays in headless Chromium (system browser through
/// puppeteer-core): a host screen, two player phones and an audience phone.
/// </summary>
public sealed class PlayPagesTests
{
    [Fact]
    public async Task EveryNodeServesTheGamePagesWithTheirContentTypes()
    {
        await using var node = await TestNode.StartAsync();
        foreach (var (path, type, marker) in new[]
        {
            ("/play", "text/html", "phone.js"),
            ("/play/", "text/html", "phone.js"),
            ("/play/host", "text/html", "host.js"),
            ("/play/host.js", "text/javascript", "set_game_state"),
            ("/play/party.css", "text/css", ":root"),
            ("/play/socket.io.min.js", "text/javascript", "Socket.IO v4"),
        })
        {
            using var res = await TestNode.GetAsync(node.Url + path);
            Assert.Equal(200, (int)res.StatusCode);
            Assert.StartsWith(type, res.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
            Assert.Contains(marker, await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var missing = await TestNode.GetAsync(node.Url + "/play/../cndr.dll");
        Assert.Equal(404, (int)missing.StatusCode);
    }

    [Fact]
    public async Task PlayPagesSettingOffLeavesNoGamePages()
    {
        await using var node = await TestNode.StartAsync(configure: s => s.PlayPages = false);
        using var res = await TestNode.GetAsync(node.Url + "/play");
        Assert.Equal(404, (int)res.StatusCode);
        using var health = await TestNode.GetAsync(node.Url + "/health");
        Assert.Equal(200, (int)health.StatusCode);
    }

    [Fact]
    public async Task PartyGamePlaysOneRoundInHeadlessChromium()
    {
        await using var node = await TestNode.StartAsync();
        var (code, key) = await node.CreateRoomAsync();
        var screenshot = Environment.GetEnvironmentVariable("CNDR_PLAY_SCREENSHOT") ?? Path.Combine(Path.GetTempPath(), $"cndr-play-{Environment.ProcessId}.png");
        var psi = ExternalProcess.Command("node", RepoPaths.Root, "tests/browser/play-round.mjs", node.Url, code, key, screenshot);
        var (exit, stdout, stderr) = await ExternalProcess.RunAsync(psi, 150_000);
        Assert.True(exit == 0, $"play-round exited {exit}\n{stdout}\n{stderr}");
        Assert.Contains("a whole round played in the browser", stdout, StringComparison.Ordinal);
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is missing or empty");
    }
}
