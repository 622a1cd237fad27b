using Cndr.Integration.Tests.Infrastructure;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>Seats, host replacement, capacity races, the to-host queue and rate limits, through the official client.</summary>
public sealed class RelaySeatTests : IAsyncLifetime
{
    private JsClients _js = null!;

    public Task InitializeAsync()
    {
        _js = JsClients.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _js.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PlayerReclaimsItsSeatWithClientIdAndSeatTokenAndGetsItsPrivateState(bool redis)
    {
        await using var redisServer = redis ? await Cndr.Testing.RedisServer.StartAsync() : null;
        await using var node = await TestNode.StartAsync(redisServer);
        var (code, key) = await node.CreateRoomAsync("pw");
        await _js.HostAsync("host", node.Url, code, key);
        var first = await _js.PlayerAsync("p", node.Url, code, "pw", new { playerName = "Ann" });
        var id = Str(first, "clientId")!;
        var token = Str(first, "seatToken")!;
        var joinedAt = Num(await _js.NextAsync("host", "client_joined"), "joinedAt");

        AssertOk(await _js.EmitAsync("host", "set_player_state", new { clientId = id, state = new { secret = 1 } }));
        await _js.NextAsync("p", "player_state");
        await _js.DisconnectAsync("p");
        var dropped = await _js.NextAsync("host", "client_disconnected");
        Assert.Equal(id, Str(dropped, "clientId"));
        Assert.Equal("player", Str(dropped, "role"));

        // Kept for the disconnected player: a write while away is returned on reclaim.
        var away = await _js.EmitAsync("host", "set_player_state", new { clientId = id, state = new { secret = 2 } });
        Assert.Equal(2, Num(away, "rev"));
        AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { g = 1 } }));

        // A clientId alone (it is public: hosts put it in game state) is not enough.
        var thief = await _js.ConnectAsync("thief", node.Url, Options("websocket", new { roomCode = code, role = "player", password = "pw", clientId = id }));
        Assert.False(thief.Connected);
        Assert.Equal("INVALID_SEAT_TOKEN", Str(thief.ErrorData, "code"));
        thief = await _js.ConnectAsync("thief", node.Url, Options("websocket", new { roomCode = code, role = "player", password = "pw", clientId = id, seatToken = token + "x" }));
        Assert.Equal("INVALID_SEAT_TOKEN", Str(thief.ErrorData, "code"));

        var back = await _js.JoinByAuthAsync("p2", node.Url, new { roomCode = code, role = "player", password = "pw", clientId = id, seatToken = token }, "polling");
        Assert.True(back["reconnected"]!.GetValue<bool>());
        Assert.Equal(id, Str(back, "clientId"));
        Assert.Equal(token, Str(back, "seatToken"));
        AssertJsonEqual("""{"secret":2}""", back["playerState"]);
        Assert.Equal(2, Num(back, "playerStateRev"));
        AssertJsonEqual("""{"g":1}""", back["gameState"]);
        Assert.Equal(1, Num(back, "gameStateRev"));

        var rejoined = await _js.NextAsync("host", "client_joined");
        Assert.True(rejoined!["reconnected"]!.GetValue<bool>());
        Assert.Equal(joinedAt, Num(rejoined, "joinedAt"));
        AssertJsonEqual("""{"playerName":"Ann"}""", rejoined["meta"]); // absent meta keeps the old one
    }

    [Fact]
    public async Task NewerConnectionTakesTheSeatOverAndTheOlderIsKicked()
    {
        await using var node = await TestNode.StartAsync();
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("host", node.Url, code, key);
        var first = await _js.PlayerAsync("old", node.Url, code);
        var auth = new { roomCode = code, role = "player", clientId = Str(first, "clientId"), seatToken = Str(first, "seatToken"), meta = new { v = 2 } };
        var second = await _js.JoinByAuthAsync("new", node.Url, auth);
        Assert.True(second["reconnected"]!.GetValue<bool>());

        var kicked = await _js.NextAsync("old", "relay_error");
        Assert.Equal("SEAT_TAKEN_OVER", Str(kicked, "code"));
        Assert.Null(kicked!["command"]?.GetValue<string>());
        Assert.Equal("io server disconnect", (await _js.NextAsync("old", "disconnect"))?.GetValue<string>());

        // The host does not see the stale connection's end as the player leaving.
        await _js.NextAsync("host", "client_joined");
        var rejoin = await _js.NextAsync("host", "client_joined");
        AssertJsonEqual("""{"v":2}""", rejoin!["meta"]);
        await _js.NoneAsync("host", "client_disconnected", 300);
        AssertOk(await _js.EmitAsync("new", "message_to_host", new { message = "hi" }));
    }

    [Fact]
    public async Task SecondHostReplacesTheFirstAndPlayersSeeOnlyHostConnected()
    {
        await using var node = await TestNode.StartAsync();
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("h1", node.Url, code, key);
        var p = await _js.PlayerAsync("p", node.Url, code);
        Assert.True(p["hostConnected"]!.GetValue<bool>());

        var h2 = await _js.HostAsync("h2", node.Url, code, key, "polling");
        Assert.Single(h2["clients"]!.AsArray());
        Assert.Equal("HOST_REPLACED", Str(await _js.NextAsync("h1", "relay_error"), "code"));
        Assert.Equal("io server disconnect", (await _js.NextAsync("h1", "disconnect"))?.GetValue<string>());
        Assert.NotNull(await _js.NextAsync("p", "host_connected"));
        await _js.NoneAsync("p", "host_disconnected", 300);

        AssertOk(await _js.EmitAsync("p", "message_to_host", new { message = 7 }));
        Assert.Equal(7, (await _js.NextAsync("h2", "client_message"))!["message"]!.GetValue<int>());
        await _js.NoneAsync("h1", "client_message", 100);

        await _js.DisconnectAsync("h2");
        Assert.NotNull(await _js.NextAsync("p", "host_disconnected"));
    }

    [Fact]
    public async Task FiftyPlayersRacingForTenSeatsGetExactlyTen()
    {
        await using var node = await TestNode.StartAsync();
        var (code, _) = await node.CreateRoomAsync(maxPlayers: 10);
        var attempts = Enumerable.Range(0, 50).Select(i => _js.ConnectAsync($"r{i}", node.Url, Options("websocket", new { roomCode = code, role = "player" }), 10_000));
        var outcomes = await Task.WhenAll(attempts);
        Assert.Equal(10, outcomes.Count(o => o.Connected));
        Assert.All(outcomes.Where(o => !o.Connected), o => Assert.Equal("ROOM_FULL", Str(o.ErrorData, "code")));
        Assert.Equal(10, Num(await node.GetRoomAsync(code), "playerCount"));
    }

    [Fact]
    public async Task MessagesWhileTheHostIsAwayAreQueuedInOrderAndBounded()
    {
        await using var node = await TestNode.StartAsync(configure: s => s.MaxQueueLength = 3);
        var (code, key) = await node.CreateRoomAsync();
        var p = await _js.PlayerAsync("p", node.Url, code);
        Assert.False(p["hostConnected"]!.GetValue<bool>());
        for (var i = 1; i <= 3; i++)
        {
            AssertOk(await _js.EmitAsync("p", "message_to_host", new { message = i }));
        }

        AssertError("QUEUE_FULL", await _js.EmitAsync("p", "message_to_host", new { message = 4 }));

        await _js.HostAsync("host", node.Url, code, key);
        for (var i = 1; i <= 3; i++)
        {
            var m = await _js.NextAsync("host", "client_message");
            Assert.Equal(i, m!["message"]!.GetValue<int>());
            Assert.Equal(Str(p, "clientId"), Str(m, "clientId"));
        }

        await _js.NoneAsync("host", "client_message", 200);
        Assert.NotNull(await _js.NextAsync("p", "host_connected"));
    }

    [Fact]
    public async Task RateLimitIsSharedByMessagesAndPollAnswersAndSaysWhenToRetry()
    {
        await using var node = await TestNode.StartAsync(configure: s =>
        {
            s.RateLimitMessages = 3;
            s.RateLimitWindowMs = 60_000;
        });
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("host", node.Url, code, key);
        await _js.AudienceAsync("a", node.Url, code);
        AssertOk(await _js.EmitAsync("host", "poll_start", new { pollId = "p", type = "free_text", question = "q" }));

        AssertOk(await _js.EmitAsync("a", "message_to_host", new { message = 1 }));
        AssertOk(await _js.EmitAsync("a", "poll_response", new { pollId = "p", response = "x" }));
        AssertOk(await _js.EmitAsync("a", "message_to_host", new { message = 2 }));
        var limited = await _js.EmitAsync("a", "poll_response", new { pollId = "p", response = "y" });
        AssertError("RATE_LIMITED", limited);
        var retry = limited!["error"]!["retryAfterMs"]!.GetValue<long>();
        Assert.InRange(retry, 1, 60_000);

        // Without an ack: relay_error with retryAfterMs; the host is never bothered.
        await _js.EmitAsync("a", "message_to_host", new { message = 3 }, ack: false);
        var err = await _js.NextAsync("a", "relay_error");
        Assert.Equal("RATE_LIMITED", Str(err, "code"));
        Assert.True(Num(err, "retryAfterMs") > 0);
        Assert.Equal(2, (await _js.DrainAsync("host")).Count(e => e.Event == "client_message"));
    }

    [Fact]
    public async Task ConnectionThatNeverJoinsIsClosedAfterTheHandshakeTimeout()
    {
        await using var node = await TestNode.StartAsync(configure: s => s.HandshakeTimeoutMs = 300);
        var c = await _js.ConnectAsync("idle", node.Url, Options("websocket"));
        Assert.True(c.Connected);
        Assert.NotNull(await _js.NextAsync("idle", "disconnect", 3000));
    }

    [Fact]
    public async Task HostAndPlayersAreToldWhenTheOtherSideComesAndGoes()
    {
        await using var node = await TestNode.StartAsync();
        var (code, key) = await node.CreateRoomAsync();
        var p = await _js.PlayerAsync("p", node.Url, code);
        Assert.False(p["hostConnected"]!.GetValue<bool>());
        var h = await _js.HostAsync("host", node.Url, code, key);
        var clients = h["clients"]!.AsArray();
        Assert.Single(clients);
        Assert.Equal(Str(p, "clientId"), Str(clients[0], "clientId"));
        Assert.True(clients[0]!["connected"]!.GetValue<bool>());
        Assert.NotNull(await _js.NextAsync("p", "host_connected"));
        await _js.DisconnectAsync("host");
        Assert.NotNull(await _js.NextAsync("p", "host_disconnected"));
    }
}
