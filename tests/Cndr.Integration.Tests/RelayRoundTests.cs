using System.Text.Json.Nodes;
using Cndr.Integration.Tests.Infrastructure;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// A whole round through the official socket.io-client on every transport path and on both stores:
/// state, private state, a message, a poll with results, close.
/// </summary>
public sealed class RelayRoundTests : IAsyncLifetime
{
    private JsClients _js = null!;

    public Task InitializeAsync()
    {
        _js = JsClients.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _js.DisposeAsync();

    [Theory]
    [InlineData("websocket", false)]
    [InlineData("polling", false)]
    [InlineData("default", false)]
    [InlineData("websocket", true)]
    [InlineData("polling", true)]
    public async Task FullRoundWorksOnEveryTransportAndStore(string transport, bool redis)
    {
        await using var redisServer = redis ? await Cndr.Testing.RedisServer.StartAsync() : null;
        await using var node = await TestNode.StartAsync(redisServer);
        var (code, hostKey) = await node.CreateRoomAsync(password: "pw");
        var url = node.Url;

        // Host by connect auth: handshake_response is the first event.
        var hostHs = await _js.HostAsync("host", url, code, hostKey, transport);
        Assert.Equal("host", Str(hostHs, "role"));
        Assert.Equal(code, Str(hostHs, "roomCode"));
        Assert.Empty(hostHs["clients"]!.AsArray());
        Assert.Null(hostHs["gameState"]);

        // Player by the handshake event, with an ack.
        var playerHs = await _js.JoinByEventAsync("p1", url, new { roomCode = code.ToLowerInvariant(), role = "player", password = "pw", meta = new { playerName = "Alice" } }, transport);
        Assert.Equal("success", Str(playerHs, "status"));
        Assert.Equal(code, Str(playerHs, "roomCode"));
        var playerId = Str(playerHs, "clientId")!;
        Assert.True(Guid.TryParse(playerId, out var g) && g.ToString("D") == playerId, "clientId is a UUID");
        Assert.False(string.IsNullOrEmpty(Str(playerHs, "seatToken")));
        Assert.True(playerHs["hostConnected"]!.GetValue<bool>());
        Assert.False(playerHs["reconnected"]!.GetValue<bool>());
        var playerEvent = await _js.NextAsync("p1", "handshake_response"); // also sent as an event
        Assert.Equal(playerId, Str(playerEvent, "clientId"));

        var joined = await _js.NextAsync("host", "client_joined");
        Assert.Equal(playerId, Str(joined, "clientId"));
        Assert.Equal("player", Str(joined, "role"));
        AssertJsonEqual("""{"playerName":"Alice"}""", joined!["meta"]);
        Assert.False(joined["reconnected"]!.GetValue<bool>());
        Assert.True(Num(joined, "joinedAt") > 1_600_000_000_000);

        var audHs = await _js.AudienceAsync("a1", url, code, transport: transport);
        Assert.Equal("audience", Str(audHs, "role"));
        Assert.Empty(audHs["polls"]!.AsArray());
        var audJoined = await _js.NextAsync("host", "client_joined");
        Assert.Equal("audience", Str(audJoined, "role"));

        // Game state to every player and audience member, exact bytes, with the revision.
        var state = JsonNode.Parse("""{"round":1,"board":[1,2,3],"text":"é\u2028"}""");
        var ack = await _js.EmitAsync("host", "set_game_state", new JsonObject { ["state"] = state!.DeepClone() });
        AssertOk(ack);
        Assert.Equal(1, Num(ack, "rev"));
        foreach (var who in new[] { "p1", "a1" })
        {
            var gs = await _js.NextAsync(who, "game_state");
            AssertJsonEqual(state.ToJsonString(), gs!["state"]);
            Assert.Equal(1, Num(gs, "rev"));
        }

        // Private state to that player only.
        ack = await _js.EmitAsync("host", "set_player_state", new { clientId = playerId, state = new { hand = new[] { "A", "K" } } });
        AssertOk(ack);
        Assert.Equal(1, Num(ack, "rev"));
        var ps = await _js.NextAsync("p1", "player_state");
        AssertJsonEqual("""{"hand":["A","K"]}""", ps!["state"]);
        Assert.Equal(1, Num(ps, "rev"));
        await _js.NoneAsync("a1", "player_state");

        // A message to the host.
        ack = await _js.EmitAsync("p1", "message_to_host", new { message = new { type = "move", x = 3 } });
        AssertOk(ack);
        var msg = await _js.NextAsync("host", "client_message");
        Assert.Equal(playerId, Str(msg, "clientId"));
        Assert.Equal("player", Str(msg, "role"));
        AssertJsonEqual("""{"type":"move","x":3}""", msg!["message"]);
        Assert.True(Num(msg, "timestamp") > 1_600_000_000_000);

        // A poll with results.
        AssertOk(await _js.EmitAsync("host", "poll_start", new { pollId = "q1", type = "single_choice", question = "Best?", options = new[] { "red", "blue" } }));
        var started = await _js.NextAsync("a1", "poll_started");
        AssertJsonEqual("""{"pollId":"q1","type":"single_choice","question":"Best?","options":["red","blue"]}""", started);
        await _js.NoneAsync("p1", "poll_started");
        AssertOk(await _js.EmitAsync("a1", "poll_response", new { pollId = "q1", response = "option_1" }));
        AssertOk(await _js.EmitAsync("host", "poll_end", new { pollId = "q1" }));
        Assert.Equal("q1", Str(await _js.NextAsync("a1", "poll_ended"), "pollId"));
        var results = await _js.EmitAsync("host", "poll_results_request", new { pollId = "q1" });
        AssertOk(results);
        Assert.Equal("q1", Str(results, "pollId"));
        Assert.False(results!["active"]!.GetValue<bool>());
        AssertJsonEqual("""{"option_0":0,"option_1":1,"totalResponses":1}""", results["results"]);
        var resultsEvent = await _js.NextAsync("host", "poll_results");
        AssertJsonEqual(results["results"]!.ToJsonString(), resultsEvent!["results"]);

        // Close: everyone is told, then disconnected by the server (no automatic reconnection).
        AssertOk(await _js.EmitNoArgsAsync("host", "close_room"));
        foreach (var who in new[] { "p1", "a1" })
        {
            Assert.Equal("closed_by_host", Str(await _js.NextAsync(who, "room_closed"), "reason"));
            Assert.Equal("io server disconnect", (await _js.NextAsync(who, "disconnect"))?.GetValue<string>());
        }

        Assert.Equal(404, await node.GetRoomStatusAsync(code));
        if (redisServer is not null)
        {
            // Only the close's expiring mark stays (it tells a closed room from one Redis lost: PROTOCOL §10).
            Assert.Equal([$"room:closed:{code}"], await node.RedisKeysAsync(redisServer, $"*{code}*"));
        }
    }
}
