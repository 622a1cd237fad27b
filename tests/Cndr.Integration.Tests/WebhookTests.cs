using System.Security.Cryptography;
using System.Text;
using Cndr.Core.Relay;
using Cndr.Integration.Tests.Infrastructure;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// Webhooks (PROTOCOL "Webhooks"): a node with WEBHOOK_URL posts room lifecycle events, signed with
/// HMAC-SHA256 over timestamp + "." + body, to a local receiver; a receiver that answers 500 at first still gets
/// the event once it recovers (retry with backoff), and /metrics counts what was sent.
/// </summary>
public sealed class WebhookTests : IAsyncLifetime
{
    private const string Secret = "webhook-test-secret";
    private JsClients _js = null!;

    public Task InitializeAsync()
    {
        _js = JsClients.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _js.DisposeAsync();

    [Fact]
    public async Task LifecycleEventsArriveSignedAndAFailingReceiverGetsThemOnRetry()
    {
        // The receiver refuses the first two POSTs with 500, then accepts.
        using var receiver = new WebhookReceiver(Secret, failFirst: 2);
        await using var node = await TestNode.StartAsync(configure: s =>
        {
            s.WebhookUrl = receiver.Url;
            s.WebhookSecret = Secret;
            s.WebhookBackoffMs = 20;
        });
        var (code, hostKey) = await node.CreateRoomAsync();
        await _js.HostAsync("host", node.Url, code, hostKey);
        await _js.PlayerAsync("p1", node.Url, code, meta: new { playerName = "Ann" });
        await _js.NextAsync("host", "client_joined");
        await _js.DisconnectAsync("host");

        // The server has handled the host's departure (the player was told) before the room closes: closed first, the
        // departure would find no room and report nothing.
        await _js.NextAsync("p1", "host_disconnected");
        Assert.True(Cndr.Core.RoomCode.TryParse(code, out var roomCode));
        await node.Node.Relay.CloseRoomAsync(roomCode, RoomCloseReason.ClosedByHost);

        var activated = await receiver.WaitForAsync("room_activated");
        Assert.Equal(code, Str(activated, "roomCode"));
        Assert.Equal(node.Node.Relay.NodeId, Str(activated, "nodeId"));
        Assert.Equal("host", Str(await receiver.WaitForAsync("host_connected"), "role"));
        var joined = await receiver.WaitForAsync("client_joined");
        Assert.Equal("player", Str(joined, "role"));
        Assert.False(string.IsNullOrEmpty(Str(joined, "clientId")));
        Assert.Equal("disconnected", Str(await receiver.WaitForAsync("host_disconnected"), "reason"));
        Assert.Equal("closed_by_host", Str(await receiver.WaitForAsync("room_closed"), "reason"));

        // Every delivered body carried a valid signature; the refused attempts were retried, not lost.
        Assert.Equal(0, receiver.BadSignatures);
        Assert.Equal(2, receiver.Refused);
        Assert.Single(receiver.Events, e => Str(e, "type") == "room_activated");
        var metrics = await (await TestNode.GetAsync(node.Url + "/metrics")).Content.ReadAsStringAsync();
        Assert.Contains("cndr_webhook_retries_total 2", metrics);
        Assert.Contains("cndr_webhook_events_total{outcome=\"failed\"} 0", metrics);
    }

    [Fact]
    public async Task AReceiverThatFailsEveryAttemptCountsTheEventAsFailedAfterBackoffAndLaterEventsStillArrive()
    {
        // Two attempts per event, 300 ms apart: the receiver refuses the first event's two attempts, then recovers.
        using var receiver = new WebhookReceiver(Secret, failFirst: 2);
        await using var node = await TestNode.StartAsync(configure: s =>
        {
            s.WebhookUrl = receiver.Url;
            s.WebhookSecret = Secret;
            s.WebhookMaxAttempts = 2;
            s.WebhookBackoffMs = 300;
        });
        var (code, hostKey) = await node.CreateRoomAsync();
        await _js.HostAsync("host", node.Url, code, hostKey);

        // room_activated was given up; host_connected, published after it, arrives once the receiver recovered.
        Assert.Equal("host", Str(await receiver.WaitForAsync("host_connected"), "role"));
        Assert.Empty(receiver.Of("room_activated"));
        var tries = receiver.Attempts.Where(a => a.Type == "room_activated").ToList();
        Assert.Equal(2, tries.Count);
        Assert.True(tries[1].AtMs - tries[0].AtMs >= 250, $"retried after {tries[1].AtMs - tries[0].AtMs} ms, before the backoff");
        var metrics = await MetricsAsync(node);
        Assert.Contains("cndr_webhook_events_total{outcome=\"failed\"} 1", metrics);
        Assert.Contains("cndr_webhook_events_total{outcome=\"sent\"} 1", metrics);
        Assert.Contains("cndr_webhook_retries_total 1", metrics);
    }

    [Fact]
    public async Task EventsBeyondAFullQueueAreDroppedAndCountedWhileTheRelayCarriesOn()
    {
        // The receiver holds every POST: the sender waits on the first, one more fits the queue, the rest are dropped.
        using var receiver = new WebhookReceiver(Secret, held: true);
        await using var node = await TestNode.StartAsync(configure: s =>
        {
            s.WebhookUrl = receiver.Url;
            s.WebhookSecret = Secret;
            s.WebhookQueueLength = 1;
            s.WebhookTimeoutMs = 30_000;
        });
        var (code, hostKey) = await node.CreateRoomAsync();
        await _js.HostAsync("host", node.Url, code, hostKey); // room_activated, host_connected
        for (var i = 0; i < 4; i++)
        {
            await _js.PlayerAsync($"p{i}", node.Url, code); // client_joined
            await _js.NextAsync("host", "client_joined");
        }

        // Six events, at most two in flight or queued: at least four dropped, and the relay did not wait for any.
        var metrics = await MetricsAsync(node);
        var dropped = Counter(metrics, "cndr_webhook_events_total{outcome=\"dropped\"}");
        Assert.InRange(dropped, 4, 5);

        receiver.Open();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (receiver.Events.Count < 6 - dropped && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(6 - dropped, receiver.Events.Count);
        Assert.Equal("room_activated", Str(receiver.Events[0], "type"));
        metrics = await MetricsAsync(node);
        Assert.Equal(6 - dropped, Counter(metrics, "cndr_webhook_events_total{outcome=\"sent\"}"));
        Assert.Equal(dropped, Counter(metrics, "cndr_webhook_events_total{outcome=\"dropped\"}"));
    }

    private static async Task<string> MetricsAsync(TestNode node) =>
        await (await TestNode.GetAsync(node.Url + "/metrics")).Content.ReadAsStringAsync();

    private static long Counter(string metrics, string series) =>
        long.Parse(metrics.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal))[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void SignatureIsHmacSha256OfTimestampDotBody()
    {
        var body = """{"type":"room_closed"}"""u8.ToArray();
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes("1700000000." + """{"type":"room_closed"}""")));
        Assert.Equal(expected, Cndr.Host.Webhooks.WebhookSender.Sign(Encoding.UTF8.GetBytes(Secret), "1700000000", body));
        Assert.NotEqual(expected, Cndr.Host.Webhooks.WebhookSender.Sign(Encoding.UTF8.GetBytes("other"), "1700000000", body));
    }
}
