using Cndr.Integration.Tests.Infrastructure;
using Cndr.Testing;
using StackExchange.Redis;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// What the relay does when the cluster misbehaves: a lost kick, a dead node, a Redis that lost its data, a bus that
/// dropped messages. cndr nodes on a real redis-server, clients are the official socket.io-client.
/// </summary>
public sealed class RelayRecoveryRedisTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _admin = null!;
    private readonly List<TestNode> _nodes = [];
    private JsClients _js = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _admin = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + ",allowAdmin=true");
        _js = JsClients.Start();
    }

    public async Task DisposeAsync()
    {
        await _js.DisposeAsync();
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }

        await _admin.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private async Task<TestNode> StartNodeAsync(string id, Action<Cndr.Host.Configuration.CndrSettings>? configure = null)
    {
        var node = await TestNode.StartAsync(_redis, s =>
        {
            s.NodeId = id;
            configure?.Invoke(s);
        });
        _nodes.Add(node);
        return node;
    }

    [Fact]
    public async Task AHostReplacedWhileItsKickWasLostGetsHostReplacedOnItsNextWrite()
    {
        var a = await StartNodeAsync("node-a");
        var b = await StartNodeAsync("node-b");
        var (code, key) = await a.CreateRoomAsync();
        await _js.HostAsync("host", a.Url, code, key);
        await _js.PlayerAsync("p", b.Url, code);
        AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { v = 1 } }));
        Assert.Equal(1, Num(await _js.NextAsync("p", "game_state"), "rev"));

        // Another connection became the host in the store and its kick never reached node-a.
        await _admin.GetDatabase().HashSetAsync($"room:state:{code}", [new("hostClientId", "newer-host-connection"), new("hostNodeId", "node-b")]);

        var ack = await _js.EmitAsync("host", "set_game_state", new { state = new { v = 2 } });
        Assert.Equal("HOST_REPLACED", ErrorCode(ack));
        Assert.Equal("io server disconnect", (await _js.NextAsync("host", "disconnect"))?.GetValue<string>());
        await _js.NoneAsync("p", "game_state");
        Assert.Equal("1", (string?)await _admin.GetDatabase().HashGetAsync($"room:state:{code}", "gameStateRev"));
    }

    [Fact]
    public async Task WhenTheNodeHoldingTheHostIsKilledThePrimaryReleasesItsHostAudienceAndPlayers()
    {
        // The primary (earliest registered) runs in this process; the node that dies is a real process, SIGKILLed.
        var primary = await StartNodeAsync("node-primary", s =>
        {
            s.HeartbeatIntervalMs = 200;
            s.NodeTimeoutMs = 1500;
            s.CleanupIntervalMs = 300;
        });
        using var doomed = ProcessNode.Start(_redis, "node-doomed");
        try
        {
            var doomedUrl = await ProcessNode.ListeningUrlAsync(doomed);
            var (code, key) = await primary.CreateRoomAsync();
            await _js.HostAsync("host", doomedUrl, code, key);
            var p = await _js.PlayerAsync("p", primary.Url, code);
            Assert.True(p["hostConnected"]!.GetValue<bool>());
            await _js.AudienceAsync("aud", primary.Url, code);
            var q = await _js.PlayerAsync("q", doomedUrl, code);
            await _js.AudienceAsync("gone", doomedUrl, code);
            var db = _admin.GetDatabase();
            Assert.Equal("2", (string?)await db.HashGetAsync($"room:state:{code}", "audienceCount"));
            Assert.Equal([code], (await db.SetMembersAsync("nodes:rooms:node-doomed")).Select(v => (string)v!));

            doomed.Kill(); // SIGKILL: no drain, no deregistration

            await _js.NextAsync("p", "host_disconnected", timeoutMs: 20_000);
            await _js.NextAsync("aud", "host_disconnected", timeoutMs: 5_000);
            Assert.Equal("", (string?)await db.HashGetAsync($"room:state:{code}", "hostClientId"));
            Assert.Equal("1", (string?)await db.HashGetAsync($"room:state:{code}", "audienceCount"));
            Assert.Equal("2", (string?)await db.HashGetAsync($"room:state:{code}", "playerCount")); // seats kept
            Assert.Equal("", (string?)await db.HashGetAsync($"room:client:{code}:{Str(q, "clientId")}", "socketId"));

            // The primary tells the rooms first and removes the dead node's registry entry right after.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (await db.SortedSetScoreAsync("nodes:registry", "node-doomed") is not null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            Assert.Null(await db.SortedSetScoreAsync("nodes:registry", "node-doomed"));
            Assert.False(await db.KeyExistsAsync("nodes:rooms:node-doomed"));

            // A new player sees no host; a new host sees the dead node's player as disconnected and its audience gone.
            Assert.False((await _js.PlayerAsync("late", primary.Url, code))["hostConnected"]!.GetValue<bool>());
            var host = await _js.HostAsync("host2", primary.Url, code, key);
            var clients = host["clients"]!.AsArray();
            Assert.False(clients.Single(c => Str(c, "clientId") == Str(q, "clientId"))!["connected"]!.GetValue<bool>());
            Assert.Equal(1, clients.Count(c => Str(c, "role") == "audience"));
            Assert.Equal(3, clients.Count(c => Str(c, "role") == "player"));

            // The dead node's player reclaims its seat here.
            var back = await _js.JoinByAuthAsync("q2", primary.Url, new { roomCode = code, role = "player", clientId = Str(q, "clientId"), seatToken = Str(q, "seatToken") });
            Assert.True(back["reconnected"]!.GetValue<bool>());
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
    public async Task WhenRedisLosesItsDataEveryClientIsToldTheRoomWasLost()
    {
        var a = await StartNodeAsync("node-a");
        var b = await StartNodeAsync("node-b");
        var (code, key) = await a.CreateRoomAsync();
        await _js.HostAsync("host", a.Url, code, key);
        await _js.PlayerAsync("p", b.Url, code);
        await _js.AudienceAsync("aud", a.Url, code, transport: "polling");
        AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { round = 1 } }));
        await _js.NextAsync("p", "game_state");

        await _admin.GetServer(_redis.Host, _redis.Port).FlushAllDatabasesAsync();

        foreach (var who in new[] { "host", "p", "aud" })
        {
            Assert.Equal("lost", Str(await _js.NextAsync(who, "room_closed", timeoutMs: 20_000), "reason"));
            Assert.Equal("io server disconnect", (await _js.NextAsync(who, "disconnect", timeoutMs: 5_000))?.GetValue<string>());
        }
    }

    [Fact]
    public async Task UpdatesMissedWhileTheBusWasDownAreResentSoEveryClientEndsOnTheLastRev()
    {
        var a = await StartNodeAsync("node-a");
        var b = await StartNodeAsync("node-b");
        var (code, key) = await a.CreateRoomAsync();
        await _js.HostAsync("host", a.Url, code, key);
        var player = await _js.PlayerAsync("p", b.Url, code);
        await _js.AudienceAsync("aud", b.Url, code, transport: "polling");
        AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { v = 1 } }));
        Assert.Equal(1, Num(await _js.NextAsync("p", "game_state"), "rev"));
        Assert.Equal(1, Num(await _js.NextAsync("aud", "game_state"), "rev"));
        var resyncs = b.Node.Relay.Delivery.Resyncs;

        // Keep cutting every pub/sub connection while the host writes: what is published while node-b is not
        // subscribed reaches nobody there (its reconnects back off meanwhile).
        var server = _admin.GetServer(_redis.Host, _redis.Port);
        using var stop = new CancellationTokenSource();
        var cutter = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await server.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
                await Task.Delay(2);
            }
        });
        await Task.Delay(100);
        for (var v = 2; v <= 4; v++)
        {
            AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { v } }));
        }

        AssertOk(await _js.EmitAsync("host", "set_player_state", new { clientId = Str(player, "clientId"), state = new { hand = 1 } }));
        await Task.Delay(100);
        await stop.CancelAsync();
        await cutter;

        await EndsOnAsync("p", "game_state", 4, "v");
        await EndsOnAsync("aud", "game_state", 4, "v");
        await EndsOnAsync("p", "player_state", 1, "hand");
        Assert.True(b.Node.Relay.Delivery.Resyncs > resyncs, "node-b resynced after its bus reconnected");
    }

    [Fact]
    public async Task WritesANodesBusDroppedReachItsClientsWhenTheBusResumes()
    {
        var a = await StartNodeAsync("node-a");
        var b = await StartNodeAsync("node-b");
        var (code, key) = await a.CreateRoomAsync();
        await _js.HostAsync("host", a.Url, code, key);
        var player = await _js.PlayerAsync("p", b.Url, code);
        var other = await _js.PlayerAsync("q", b.Url, code, transport: "polling");
        await _js.AudienceAsync("aud", b.Url, code, transport: "polling");
        AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { v = 1 } }));
        Assert.Equal(1, Num(await _js.NextAsync("aud", "game_state"), "rev"));

        // node-b's bus loses everything (as an overflowing queue would) while the host writes.
        b.Node.Relay.Delivery.DiscardBusMessages = true;
        for (var v = 2; v <= 4; v++)
        {
            AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { v } }));
        }

        for (var hand = 1; hand <= 2; hand++)
        {
            AssertOk(await _js.EmitAsync("host", "set_player_state", new { clientId = Str(player, "clientId"), state = new { hand } }));
        }

        AssertOk(await _js.EmitAsync("host", "set_player_state", new { clientId = Str(other, "clientId"), state = new { hand = 7 } }));
        await DiscardedAsync(b, 6);
        await _js.NoneAsync("aud", "game_state");

        b.Node.Relay.Delivery.ResumeBus(reportGap: true);

        foreach (var who in new[] { "p", "q", "aud" })
        {
            await EndsOnAsync(who, "game_state", 4, "v");
        }

        await EndsOnAsync("p", "player_state", 2, "hand");
        var q = await _js.NextAsync("q", "player_state", timeoutMs: 15_000);
        Assert.Equal((1L, 7), (Num(q, "rev"), q!["state"]!["hand"]!.GetValue<int>()));
    }

    [Fact]
    public async Task ASilentlyLostWriteIsFoundByTheNextRevsGap()
    {
        var a = await StartNodeAsync("node-a");
        var b = await StartNodeAsync("node-b");
        var (code, key) = await a.CreateRoomAsync();
        await _js.HostAsync("host", a.Url, code, key);
        var player = await _js.PlayerAsync("p", b.Url, code);
        AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { v = 1 } }));
        Assert.Equal(1, Num(await _js.NextAsync("p", "game_state"), "rev"));

        // Lost on the way to node-b, and nothing says so (pub/sub is at most once).
        b.Node.Relay.Delivery.DiscardBusMessages = true;
        AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { v = 2 } }));
        AssertOk(await _js.EmitAsync("host", "set_player_state", new { clientId = Str(player, "clientId"), state = new { hand = 1 } }));
        await DiscardedAsync(b, 2);
        b.Node.Relay.Delivery.ResumeBus(reportGap: false);
        await _js.NoneAsync("p", "player_state");

        // rev 3 after rev 1: node-b re-reads the room, so the player gets the private state it missed.
        AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { v = 3 } }));
        await EndsOnAsync("p", "game_state", 3, "v");
        await EndsOnAsync("p", "player_state", 1, "hand");
    }

    /// <summary>Waits until <paramref name="node"/>'s bus discarded <paramref name="count"/> messages (they were published and have arrived).</summary>
    private static async Task DiscardedAsync(TestNode node, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (node.Node.Relay.Delivery.DiscardedCount < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{node.NodeId} discarded {node.Node.Relay.Delivery.DiscardedCount} of {count}");
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Reads <paramref name="evt"/> events until one has rev <paramref name="rev"/>: revs never go down, and each state's
    /// <paramref name="field"/> was written equal to its rev.
    /// </summary>
    private async Task EndsOnAsync(string who, string evt, long rev, string field)
    {
        var last = 0L;
        while (last < rev)
        {
            var e = await _js.NextAsync(who, evt, timeoutMs: 15_000);
            Assert.True(e is not null, $"{who}: no {evt} with rev {rev} (last {last})");
            var r = Num(e, "rev");
            Assert.True(r >= last, $"{who}: {evt} rev {r} after {last}");
            last = r;
            Assert.Equal(r, e!["state"]![field]!.GetValue<int>());
        }

        Assert.Equal(rev, last);
    }
}
