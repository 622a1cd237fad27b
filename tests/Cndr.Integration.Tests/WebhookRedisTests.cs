using System.Net;
using System.Text;
using System.Text.Json;
using Cndr.Integration.Tests.Infrastructure;
using Cndr.Testing;
using StackExchange.Redis;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// Webhooks in a fleet (PROTOCOL §10): two nodes on a real redis-server post to one receiver, and every lifecycle
/// event of a room arrives exactly once, from the node where it happened — joins, leaves, kicks, a timed poll that
/// ends by itself, host moves and the close; a dead node's release, sent by the primary that performed it; an idle
/// close and an operator's close; a room Redis lost, reported once although every node serving it finds it gone.
/// </summary>
/// <remarks>
/// "Exactly once" is checked after a marker: each node sends its events in order from one loop, so once an event
/// queued later on a node has arrived, every earlier event of that node has arrived (or a duplicate would have).
/// </remarks>
public sealed class WebhookRedisTests : IAsyncLifetime
{
    private const string Secret = "fleet-webhook-secret";
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<TestNode> _nodes = [];
    private RedisServer _redis = null!;
    private JsClients _js = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _js = JsClients.Start();
        _receiver = new WebhookReceiver(Secret);
    }

    public async Task DisposeAsync()
    {
        await _js.DisposeAsync();
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }

        _receiver.Dispose();
        await _redis.DisposeAsync();
    }

    private async Task<TestNode> NodeAsync(string id, Action<Cndr.Host.Configuration.CndrSettings>? configure = null)
    {
        var node = await TestNode.StartAsync(_redis, s =>
        {
            s.NodeId = id;
            s.WebhookUrl = _receiver.Url;
            s.WebhookSecret = Secret;
            configure?.Invoke(s);
        });
        _nodes.Add(node);
        return node;
    }

    [Fact]
    public async Task EveryLifecycleEventOfARoomArrivesOnceFromTheNodeWhereItHappened()
    {
        var a = await NodeAsync("node-a");
        var b = await NodeAsync("node-b");
        var (code, key) = await a.CreateRoomAsync();
        var host = await _js.HostAsync("host", a.Url, code, key);
        var p1 = await _js.PlayerAsync("p1", b.Url, code);
        var p2 = await _js.PlayerAsync("p2", a.Url, code);
        var aud = await _js.AudienceAsync("aud", b.Url, code);
        var aud2 = await _js.AudienceAsync("aud2", b.Url, code);

        // A timed poll ends by itself on the host's node.
        AssertOk(await _js.EmitAsync("host", "poll_start", new { pollId = "q", type = "single_choice", question = "Which?", options = new[] { "x", "y" }, durationMs = 400 }));
        AssertOk(await _js.EmitAsync("aud", "poll_response", new { pollId = "q", response = "option_1" }));
        Assert.False((await _js.NextAsync("host", "poll_results", 8000))!["active"]!.GetValue<bool>());

        AssertOk(await _js.EmitAsync("p1", "leave", new { }));
        await _js.DisconnectAsync("aud");
        await _js.DisconnectAsync("p2");
        await KickAsync(a, code, Str(aud2, "clientId")!);
        await _js.NextAsync("aud2", "disconnect", 5000);
        await _js.DisconnectAsync("host");
        var host2 = await _js.HostAsync("host2", b.Url, code, key);
        AssertOk(await _js.EmitAsync("host2", "close_room", new { }));
        await _receiver.WaitForAsync(e => Str(e, "type") == "room_closed" && Str(e, "roomCode") == code, "room_closed");
        await MarkAsync(a, b);

        string[] expected =
        [
            $"room_activated|||node-a",
            $"host_connected|{Str(host, "clientId")}||node-a",
            $"client_joined|{Str(p1, "clientId")}||node-b",
            $"client_joined|{Str(p2, "clientId")}||node-a",
            $"client_joined|{Str(aud, "clientId")}||node-b",
            $"client_joined|{Str(aud2, "clientId")}||node-b",
            $"poll_ended|||node-a",
            $"client_left|{Str(p1, "clientId")}|left|node-b",
            $"client_left|{Str(aud, "clientId")}|disconnected|node-b",
            $"client_disconnected|{Str(p2, "clientId")}|disconnected|node-a",
            $"client_left|{Str(aud2, "clientId")}|kicked|node-a",
            $"host_disconnected|{Str(host, "clientId")}|disconnected|node-a",
            $"host_connected|{Str(host2, "clientId")}||node-b",
            $"room_closed||closed_by_host|node-b",
        ];
        AssertEvents(expected, code);

        // The poll's final tally came with its end.
        var ended = _receiver.Of("poll_ended", code).Single();
        Assert.Equal("q", Str(ended, "pollId"));
        Assert.Equal(1, Num(ended["results"]!["results"], "option_1"));
        Assert.False(ended["results"]!["active"]!.GetValue<bool>());
        Assert.Equal(0, _receiver.BadSignatures);
    }

    [Fact]
    public async Task ADeadNodesReleaseIsSentOnceByThePrimaryThatPerformedIt()
    {
        // The primary (earliest registered) and a second node run here; the node that dies is a process, SIGKILLed.
        var a = await NodeAsync("node-a", Fast);
        var b = await NodeAsync("node-b", Fast);
        using var doomed = ProcessNode.Start(_redis, "node-doomed", new Dictionary<string, string> { ["WEBHOOK_URL"] = _receiver.Url, ["WEBHOOK_SECRET"] = Secret });
        try
        {
            var doomedUrl = await ProcessNode.ListeningUrlAsync(doomed);
            var (code, key) = await a.CreateRoomAsync();
            var host = await _js.HostAsync("host", doomedUrl, code, key);
            var p = await _js.PlayerAsync("p", b.Url, code);
            var q = await _js.PlayerAsync("q", doomedUrl, code);
            var aud = await _js.AudienceAsync("aud", doomedUrl, code);
            await _receiver.WaitForAsync(e => Str(e, "type") == "client_joined" && Str(e, "clientId") == Str(aud, "clientId"), "the doomed node's last join");

            doomed.Kill(); // no drain, no deregistration: the dead node sends nothing more
            await _js.NextAsync("p", "host_disconnected", timeoutMs: 20_000);
            await _receiver.WaitForAsync(e => Str(e, "type") == "client_left" && Str(e, "roomCode") == code, "the release");
            await MarkAsync(a, b);

            AssertEvents(
            [
                $"room_activated|||node-doomed",
                $"host_connected|{Str(host, "clientId")}||node-doomed",
                $"client_joined|{Str(p, "clientId")}||node-b",
                $"client_joined|{Str(q, "clientId")}||node-doomed",
                $"client_joined|{Str(aud, "clientId")}||node-doomed",
                $"host_disconnected|{Str(host, "clientId")}|node_lost|node-a",
                $"client_disconnected|{Str(q, "clientId")}|node_lost|node-a",
                $"client_left|{Str(aud, "clientId")}|node_lost|node-a",
            ], code);
        }
        finally
        {
            if (!doomed.HasExited)
            {
                doomed.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task AnIdleRoomAndAnOperatorsCloseAreEachReportedOnceWithTheirReason()
    {
        var a = await NodeAsync("node-a", s =>
        {
            Fast(s);
            s.InactiveRoomThresholdMs = 1000;
        });
        var b = await NodeAsync("node-b", s =>
        {
            Fast(s);
            s.InactiveRoomThresholdMs = 1000;
        });
        var (idle, idleKey) = await b.CreateRoomAsync();
        await _js.HostAsync("idle-host", b.Url, idle, idleKey);
        await _js.DisconnectAsync("idle-host");
        var (closed, closedKey) = await a.CreateRoomAsync();
        await _js.HostAsync("host", a.Url, closed, closedKey);
        await _js.PlayerAsync("p", a.Url, closed);
        await _js.NextAsync("host", "client_joined");
        using (var req = new HttpRequestMessage(HttpMethod.Delete, $"{b.Url}/admin/rooms/{closed}"))
        {
            req.Headers.Authorization = new("Bearer", b.Settings.AdminToken);
            using var res = await s_http.SendAsync(req);
            Assert.True(res.IsSuccessStatusCode, $"close: {(int)res.StatusCode}");
        }

        // Clients are told the game's side closed it; the backend learns it was an operator.
        Assert.Equal("closed_by_host", Str(await _js.NextAsync("p", "room_closed", 5000), "reason"));
        await _receiver.WaitForAsync(e => Str(e, "type") == "room_closed" && Str(e, "roomCode") == idle, "the idle close", 20_000);
        await MarkAsync(a, b);

        Assert.Equal(["room_closed||inactive|node-a"], Lines(idle).Where(l => l.StartsWith("room_closed", StringComparison.Ordinal)));
        Assert.Equal(["room_closed||closed_by_admin|node-b"], Lines(closed).Where(l => l.StartsWith("room_closed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ARoomRedisLostIsReportedOnceAlthoughEveryNodeServingItFindsItGone()
    {
        var a = await NodeAsync("node-a");
        var b = await NodeAsync("node-b");
        var (code, key) = await a.CreateRoomAsync();
        await _js.HostAsync("host", a.Url, code, key);
        await _js.PlayerAsync("p", b.Url, code);
        await _js.AudienceAsync("aud", b.Url, code);

        await using (var admin = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + ",allowAdmin=true"))
        {
            await admin.GetServer(_redis.Host, _redis.Port).FlushAllDatabasesAsync();
        }

        // Both nodes close the room for their clients; the webhook was queued before either did.
        foreach (var who in new[] { "host", "p", "aud" })
        {
            Assert.Equal("lost", Str(await _js.NextAsync(who, "room_closed", timeoutMs: 20_000), "reason"));
        }

        await MarkAsync(a, b);
        var closes = _receiver.Of("room_closed", code);
        Assert.Single(closes);
        Assert.Equal("lost", Str(closes[0], "reason"));
        Assert.Contains(Str(closes[0], "nodeId"), new[] { "node-a", "node-b" });
    }

    private static void Fast(Cndr.Host.Configuration.CndrSettings s)
    {
        s.HeartbeatIntervalMs = 200;
        s.NodeTimeoutMs = 1500;
        s.CleanupIntervalMs = 300;
    }

    /// <summary>One line per event of the room: type|clientId|reason|nodeId.</summary>
    private List<string> Lines(string code) =>
        _receiver.Events.Where(e => Str(e, "roomCode") == code)
            .Select(e => $"{Str(e, "type")}|{Str(e, "clientId")}|{Str(e, "reason")}|{Str(e, "nodeId")}").ToList();

    private void AssertEvents(string[] expected, string code)
    {
        var got = Lines(code);
        Assert.True(expected.Order().SequenceEqual(got.Order()), $"expected:\n{string.Join('\n', expected.Order())}\ngot:\n{string.Join('\n', got.Order())}");
    }

    /// <summary>
    /// Activates a fresh room on each node and waits for its <c>room_activated</c>: every event those nodes queued
    /// before has then been delivered (one sender loop per node, in order).
    /// </summary>
    private async Task MarkAsync(params TestNode[] nodes)
    {
        foreach (var node in nodes)
        {
            var (code, key) = await node.CreateRoomAsync();
            var name = "mark-" + code;
            await _js.HostAsync(name, node.Url, code, key);
            await _receiver.WaitForAsync(e => Str(e, "type") == "room_activated" && Str(e, "roomCode") == code, "marker " + node.NodeId);
        }
    }

    private static async Task KickAsync(TestNode node, string code, string clientId)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, $"{node.Url}/admin/rooms/{code}/kick")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { clientId }), Encoding.UTF8, "application/json"),
        };
        req.Headers.Authorization = new("Bearer", node.Settings.AdminToken);
        using var res = await s_http.SendAsync(req);
        Assert.True(res.StatusCode == HttpStatusCode.OK, $"kick: {(int)res.StatusCode} {await res.Content.ReadAsStringAsync()}");
    }
}
