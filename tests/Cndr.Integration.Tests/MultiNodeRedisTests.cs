using Cndr.Integration.Tests.Infrastructure;
using Cndr.Testing;
using StackExchange.Redis;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// Three cndr nodes (in this process, on their own ports) sharing one real redis-server; <see cref="MultiNodeClusterRedisTests"/>
/// runs the same tests on a Redis Cluster.
/// </summary>
public class MultiNodeRedisTests : IAsyncLifetime
{
    private IRedisDeployment _redis = null!;
    private readonly List<TestNode> _nodes = [];
    private JsClients _js = null!;

    private TestNode A => _nodes[0];

    private TestNode B => _nodes[1];

    private TestNode C => _nodes[2];

    public async Task InitializeAsync()
    {
        _redis = await StartRedisAsync();
        _js = JsClients.Start();
    }

    /// <summary>The Redis the nodes share.</summary>
    protected virtual async Task<IRedisDeployment> StartRedisAsync() => await RedisServer.StartAsync();

    private async Task StartNodesAsync(int count = 3, Action<Cndr.Host.Configuration.CndrSettings>? configure = null)
    {
        for (var i = 0; i < count; i++)
        {
            _nodes.Add(await TestNode.StartAsync(_redis, s =>
            {
                s.NodeId = $"node-{(char)('a' + i)}";
                configure?.Invoke(s);
            }));
            await Task.Delay(5); // distinct registration times: node-a is the earliest
        }
    }

    public async Task DisposeAsync()
    {
        await _js.DisposeAsync();
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task AFullRoundSpreadOverThreeNodes()
    {
        await StartNodesAsync();
        var (code, key) = await A.CreateRoomAsync();
        await _js.HostAsync("host", A.Url, code, key);
        var p1 = await _js.PlayerAsync("p1", B.Url, code, transport: "polling");
        var p2 = await _js.PlayerAsync("p2", C.Url, code);
        await _js.AudienceAsync("aud", C.Url, code);
        Assert.True(p1["hostConnected"]!.GetValue<bool>());

        // Joins on other nodes reach the host.
        var joinedIds = new HashSet<string>();
        for (var i = 0; i < 3; i++)
        {
            joinedIds.Add(Str(await _js.NextAsync("host", "client_joined"), "clientId")!);
        }

        Assert.Contains(Str(p1, "clientId")!, joinedIds);
        Assert.Contains(Str(p2, "clientId")!, joinedIds);

        // Game state from the host on A reaches B and C.
        AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { round = 7 } }));
        foreach (var who in new[] { "p1", "p2", "aud" })
        {
            var gs = await _js.NextAsync(who, "game_state");
            Assert.Equal(7, gs!["state"]!["round"]!.GetValue<int>());
            Assert.Equal(1, Num(gs, "rev"));
        }

        // Private state reaches only its player, on its node.
        AssertOk(await _js.EmitAsync("host", "set_player_state", new { clientId = Str(p2, "clientId"), state = new { secret = "p2" } }));
        Assert.Equal("p2", (await _js.NextAsync("p2", "player_state"))!["state"]!["secret"]!.GetValue<string>());
        await _js.NoneAsync("p1", "player_state");
        await _js.NoneAsync("aud", "player_state");

        // Player → host across nodes, in order per sender.
        for (var i = 0; i < 20; i++)
        {
            await _js.EmitAsync("p1", "message_to_host", new { message = i }, ack: false);
        }

        for (var i = 0; i < 20; i++)
        {
            var m = await _js.NextAsync("host", "client_message");
            Assert.Equal(i, m!["message"]!.GetValue<int>());
            Assert.Equal(Str(p1, "clientId"), Str(m, "clientId"));
        }

        // A poll across nodes.
        AssertOk(await _js.EmitAsync("host", "poll_start", new { pollId = "x", type = "multiple_choice", question = "q", options = new[] { "a", "b" } }));
        Assert.Equal("x", Str(await _js.NextAsync("aud", "poll_started"), "pollId"));
        AssertOk(await _js.EmitAsync("aud", "poll_response", new { pollId = "x", response = new[] { "option_0", "option_1" } }));
        AssertOk(await _js.EmitAsync("host", "poll_end", new { pollId = "x" }));
        Assert.Equal("x", Str(await _js.NextAsync("aud", "poll_ended"), "pollId"));
        var results = await _js.EmitAsync("host", "poll_results_request", new { pollId = "x" });
        AssertJsonEqual("""{"option_0":1,"option_1":1,"totalResponses":1}""", results!["results"]);

        // Close across nodes: everyone told, everything deleted.
        AssertOk(await _js.EmitNoArgsAsync("host", "close_room"));
        foreach (var who in new[] { "p1", "p2", "aud" })
        {
            Assert.Equal("closed_by_host", Str(await _js.NextAsync(who, "room_closed"), "reason"));
            Assert.Equal("io server disconnect", (await _js.NextAsync(who, "disconnect"))?.GetValue<string>());
        }

        Assert.Equal([_redis.RoomKey("room:closed:", code)], await A.RedisKeysAsync(_redis, $"room:*{code}*")); // the close's expiring mark only
    }

    [Fact]
    public async Task GameStateReachesANodeThatJoinsTheRoomMidStreamAndLeavesAgain()
    {
        // The host's node skips publishing while it alone is subscribed to the room: every node that joins later must still
        // get the next update at once (its SUBSCRIBE is counted by the state write that follows its join).
        await StartNodesAsync(2);
        var (code, key) = await A.CreateRoomAsync();
        await _js.HostAsync("host", A.Url, code, key);
        await _js.PlayerAsync("local", A.Url, code);
        var rev = 0;
        for (var round = 0; round < 3; round++)
        {
            AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { round, alone = true } }));
            Assert.Equal(++rev, Num(await _js.NextAsync("local", "game_state"), "rev"));

            var remote = $"remote{round}";
            var joined = await _js.PlayerAsync(remote, B.Url, code);
            Assert.Equal(rev, Num(joined, "gameStateRev"));
            AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { round, alone = false } }));
            rev++;
            foreach (var who in new[] { "local", remote })
            {
                var gs = await _js.NextAsync(who, "game_state");
                Assert.Equal(rev, Num(gs, "rev"));
                Assert.False(gs!["state"]!["alone"]!.GetValue<bool>());
            }

            // The remote player leaves: node B unsubscribes, and the next round starts with node A alone again.
            AssertOk(await _js.EmitNoArgsAsync(remote, "leave"));
        }
    }

    [Fact]
    public async Task EachGameStateIsPublishedOnceForTheOtherNodesInRevisionOrder()
    {
        // On standalone Redis the state write's script publishes the state itself; the relay must not publish it again.
        await StartNodesAsync(2);
        var (code, key) = await A.CreateRoomAsync();
        await _js.HostAsync("host", A.Url, code, key);
        await _js.PlayerAsync("remote", B.Url, code);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var name = _redis.RoomKey("room:updates:", code);
        var channel = _redis.IsCluster ? RedisChannel.Sharded(name) : RedisChannel.Literal(name);
        var raw = await mux.GetSubscriber().SubscribeAsync(channel);

        for (var rev = 1; rev <= 3; rev++)
        {
            AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { rev } }));
            Assert.Equal(rev, Num(await _js.NextAsync("remote", "game_state"), "rev"));
        }

        // A marker published after the last ack arrives after every publication the three writes made (one channel, one order).
        await mux.GetSubscriber().PublishAsync(channel, "marker");
        var states = new List<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var payload = System.Text.Encoding.UTF8.GetString((byte[])(await raw.ReadAsync(cts.Token)).Message!);
            if (payload == "marker")
            {
                break;
            }

            var at = payload.IndexOf("42[\"game_state\"", StringComparison.Ordinal);
            if (at >= 0)
            {
                states.Add(payload[at..]);
            }
        }

        Assert.Equal(new[] { 1, 2, 3 }.Select(rev => $"42[\"game_state\",{{\"state\":{{\"rev\":{rev}}},\"rev\":{rev}}}]"), states);
    }

    [Fact]
    public async Task PlayerReclaimsItsSeatOnAnotherNodeAndTheStaleConnectionIsKicked()
    {
        await StartNodesAsync(2);
        var (code, key) = await A.CreateRoomAsync();
        await _js.HostAsync("host", A.Url, code, key);
        var first = await _js.PlayerAsync("old", A.Url, code);
        await _js.NextAsync("host", "client_joined");

        var back = await _js.JoinByAuthAsync("new", B.Url, new { roomCode = code, role = "player", clientId = Str(first, "clientId"), seatToken = Str(first, "seatToken") });
        Assert.True(back["reconnected"]!.GetValue<bool>());
        Assert.Equal("SEAT_TAKEN_OVER", Str(await _js.NextAsync("old", "relay_error"), "code"));
        Assert.Equal("io server disconnect", (await _js.NextAsync("old", "disconnect"))?.GetValue<string>());
        Assert.True((await _js.NextAsync("host", "client_joined"))!["reconnected"]!.GetValue<bool>());

        AssertOk(await _js.EmitAsync("host", "set_player_state", new { clientId = Str(first, "clientId"), state = 5 }));
        Assert.Equal(5, (await _js.NextAsync("new", "player_state"))!["state"]!.GetValue<int>());
    }

    [Fact]
    public async Task HostMovingToAnotherNodeTakesOver()
    {
        await StartNodesAsync(2);
        var (code, key) = await A.CreateRoomAsync();
        await _js.HostAsync("h1", A.Url, code, key);
        await _js.PlayerAsync("pa", A.Url, code);
        await _js.PlayerAsync("pb", B.Url, code);

        await _js.HostAsync("h2", B.Url, code, key);
        Assert.Equal("HOST_REPLACED", Str(await _js.NextAsync("h1", "relay_error"), "code"));
        Assert.NotNull(await _js.NextAsync("pa", "host_connected"));

        await using var mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        Assert.Equal(B.NodeId, (string?)await mux.GetDatabase().HashGetAsync(_redis.RoomKey("room:state:", code), "hostNodeId"));

        // A player on the old host node now reaches the host on the new one.
        AssertOk(await _js.EmitAsync("pa", "message_to_host", new { message = "from A" }));
        Assert.Equal("from A", (await _js.NextAsync("h2", "client_message"))!["message"]!.GetValue<string>());
        AssertOk(await _js.EmitAsync("h2", "set_game_state", new { state = 1 }));
        Assert.NotNull(await _js.NextAsync("pa", "game_state"));
        Assert.NotNull(await _js.NextAsync("pb", "game_state"));
    }

    [Fact]
    public async Task MessagesQueuedWhileTheHostIsAwayReachAHostJoiningAnyNode()
    {
        await StartNodesAsync(2);
        var (code, key) = await A.CreateRoomAsync();
        await _js.PlayerAsync("p", A.Url, code);
        for (var i = 0; i < 5; i++)
        {
            AssertOk(await _js.EmitAsync("p", "message_to_host", new { message = i }));
        }

        await _js.HostAsync("host", B.Url, code, key);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(i, (await _js.NextAsync("host", "client_message"))!["message"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task CapacityHoldsWhenJoinsRaceOverSeveralNodes()
    {
        await StartNodesAsync();
        var (code, _) = await A.CreateRoomAsync(maxPlayers: 10);
        var attempts = Enumerable.Range(0, 45).Select(i =>
            _js.ConnectAsync($"r{i}", _nodes[i % 3].Url, Options("websocket", new { roomCode = code, role = "player" }), 10_000));
        var outcomes = await Task.WhenAll(attempts);
        Assert.Equal(10, outcomes.Count(o => o.Connected));
        Assert.All(outcomes.Where(o => !o.Connected), o => Assert.Equal("ROOM_FULL", Str(o.ErrorData, "code")));
    }

    [Fact]
    public async Task PrimaryIsTheEarliestNodeAndTheNextTakesOverWhenItStops()
    {
        await StartNodesAsync(3, s => s.HeartbeatIntervalMs = 100);
        Assert.True(A.Node.Coordinator.IsPrimary);
        Assert.False(B.Node.Coordinator.IsPrimary);
        Assert.False(C.Node.Coordinator.IsPrimary);

        await A.DisposeAsync();
        _nodes.RemoveAt(0);
        await WaitUntilAsync(() => _nodes[0].Node.Coordinator.IsPrimary);
        Assert.False(_nodes[1].Node.Coordinator.IsPrimary);

        await using var mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        Assert.Null(await mux.GetDatabase().SortedSetScoreAsync(_redis.NodeKey("registry"), "node-a"));
    }

    [Fact]
    public async Task PrimaryClosesInactiveRoomsOnEveryNode()
    {
        await StartNodesAsync(2, s =>
        {
            s.CleanupIntervalMs = 200;
            s.InactiveRoomThresholdMs = 600;
        });
        var (code, key) = await A.CreateRoomAsync();
        var (untouched, _) = await A.CreateRoomAsync();
        await _js.HostAsync("host", B.Url, code, key);
        await _js.PlayerAsync("p", A.Url, code);

        Assert.Equal("inactive", Str(await _js.NextAsync("p", "room_closed", 5000), "reason"));
        Assert.Equal("inactive", Str(await _js.NextAsync("host", "room_closed", 5000), "reason"));
        Assert.Equal([_redis.RoomKey("room:closed:", code)], await A.RedisKeysAsync(_redis, $"room:*{code}*")); // the close's expiring mark only

        // A room that was created but never activated is left alone.
        Assert.Equal(200, await A.GetRoomStatusAsync(untouched));
    }

    [Fact]
    public virtual async Task NodesSurviveARedisRestart()
    {
        await StartNodesAsync(2, s => s.HeartbeatIntervalMs = 200);
        var (code, key) = await A.CreateRoomAsync();
        await _js.HostAsync("host", A.Url, code, key);
        await _js.PlayerAsync("p", B.Url, code);

        _redis.Kill();
        AssertError("UNAVAILABLE", await _js.EmitAsync("host", "set_game_state", new { state = 1 }, timeoutMs: 8000));
        using (var health = await TestNode.GetAsync(A.Url + "/health"))
        {
            Assert.Equal(503, (int)health.StatusCode);
        }

        await _redis.RestartAsync();
        await WaitUntilAsync(() => A.Node.Coordinator.IsRegistered && B.Node.Coordinator.IsRegistered, 20_000);

        // Redis lost everything: existing connections stay open, and (once the node's connections are all
        // back: a node has three — commands, script calls and subscriptions — and each fails fast with UNAVAILABLE,
        // "retry later", while it is still reconnecting) a new room works across nodes.
        Assert.Equal("websocket", await _js.TransportAsync("host"));
        string? host2 = null, p2 = null;
        var until = DateTime.UtcNow.AddSeconds(20);
        for (var attempt = 0; p2 is null; attempt++)
        {
            try
            {
                var (code2, key2) = await A.CreateRoomAsync();
                await _js.HostAsync(host2 = $"host2-{attempt}", A.Url, code2, key2);
                await _js.PlayerAsync($"p2-{attempt}", B.Url, code2);
                p2 = $"p2-{attempt}";
            }
            catch (Xunit.Sdk.XunitException ex) when (DateTime.UtcNow < until && (ex.Message.Contains("UNAVAILABLE", StringComparison.Ordinal) || ex.Message.Contains("503", StringComparison.Ordinal)))
            {
                await Task.Delay(100);
            }
        }

        AssertOk(await _js.EmitAsync(host2!, "set_game_state", new { state = "after restart" }));
        Assert.Equal("after restart", (await _js.NextAsync(p2, "game_state"))!["state"]!.GetValue<string>());
        using var healthy = await TestNode.GetAsync(A.Url + "/health");
        Assert.Equal(200, (int)healthy.StatusCode);
        _ = code;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(25);
        }
    }
}
