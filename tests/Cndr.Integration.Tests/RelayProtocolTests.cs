using System.Text.Json.Nodes;
using Cndr.Integration.Tests.Infrastructure;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>One embedded node shared by the protocol tests of a class; each test makes its own rooms.</summary>
public sealed class EmbeddedNodeFixture : IAsyncLifetime
{
    public TestNode Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await TestNode.StartAsync();

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>Every error code reachable from outside, the permission matrix, acks and relay_error, through the official client.</summary>
public sealed class RelayProtocolTests(EmbeddedNodeFixture fixture) : IClassFixture<EmbeddedNodeFixture>, IAsyncLifetime
{
    private readonly TestNode _node = fixture.Node;
    private JsClients _js = null!;

    private string Url => _node.Url;

    public Task InitializeAsync()
    {
        _js = JsClients.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _js.DisposeAsync();

    private async Task<(string Code, string HostKey, string PlayerId)> RoomWithEveryoneAsync(string? password = null)
    {
        var (code, key) = await _node.CreateRoomAsync(password);
        await _js.HostAsync("host", Url, code, key);
        var p = await _js.PlayerAsync("player", Url, code, password);
        await _js.AudienceAsync("audience", Url, code);
        return (code, key, Str(p, "clientId")!);
    }

    private async Task<ConnectOutcome> RefusedAsync(string name, object auth)
    {
        var c = await _js.ConnectAsync(name, Url, Options("websocket", auth));
        Assert.False(c.Connected, "expected the connect to be refused");
        Assert.False(string.IsNullOrWhiteSpace(c.ErrorMessage));
        return c;
    }

    [Fact]
    public async Task ConnectAuthRefusalsCarryTheCodeInErrData()
    {
        var (code, key) = await _node.CreateRoomAsync("secret", maxPlayers: 1, maxAudience: 1);

        Assert.Equal("ROOM_NOT_FOUND", Str((await RefusedAsync("x1", new { roomCode = "ZZZZZ9", role = "audience" })).ErrorData, "code"));
        Assert.Equal("INVALID_HOST_KEY", Str((await RefusedAsync("x2", new { roomCode = code, role = "host", hostKey = "nope" })).ErrorData, "code"));
        Assert.Equal("INVALID_PASSWORD", Str((await RefusedAsync("x3", new { roomCode = code, role = "player", password = "wrong" })).ErrorData, "code"));
        Assert.Equal("INVALID_PASSWORD", Str((await RefusedAsync("x4", new { roomCode = code, role = "player" })).ErrorData, "code"));
        Assert.Equal("INVALID_PAYLOAD", Str((await RefusedAsync("x5", new { roomCode = "AB", role = "player" })).ErrorData, "code"));
        Assert.Equal("INVALID_PAYLOAD", Str((await RefusedAsync("x6", new { roomCode = code, role = "king" })).ErrorData, "code"));
        Assert.Equal("INVALID_PAYLOAD", Str((await RefusedAsync("x7", new { roomCode = code, role = "host" })).ErrorData, "code"));
        Assert.Equal("SEAT_NOT_FOUND", Str((await RefusedAsync("x8", new { roomCode = code, role = "player", password = "secret", clientId = Guid.NewGuid().ToString(), seatToken = "abc" })).ErrorData, "code"));

        await _js.PlayerAsync("p1", Url, code, "secret");
        await _js.AudienceAsync("a1", Url, code);
        Assert.Equal("ROOM_FULL", Str((await RefusedAsync("p2", new { roomCode = code, role = "player", password = "secret" })).ErrorData, "code"));
        Assert.Equal("ROOM_FULL", Str((await RefusedAsync("a2", new { roomCode = code, role = "audience" })).ErrorData, "code"));

        // The host key is never echoed in a refusal.
        var refused = await RefusedAsync("x9", new { roomCode = code, role = "host", hostKey = key + "x" });
        Assert.DoesNotContain(key, refused.ErrorMessage + refused.ErrorData?.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedHandshakeByEventAnswersThenClosesTheConnection()
    {
        var c = await _js.ConnectAsync("x", Url, Options("websocket"));
        Assert.True(c.Connected);
        var ack = await _js.EmitAsync("x", "handshake", new { roomCode = "QQQQQ1", role = "audience" });
        Assert.Equal("error", Str(ack, "status"));
        Assert.Equal("ROOM_NOT_FOUND", ErrorCode(ack));
        Assert.NotNull(await _js.NextAsync("x", "disconnect"));
    }

    [Fact]
    public async Task CommandsBeforeTheHandshakeGetNotJoinedAndUnknownOnesUnknownCommand()
    {
        var c = await _js.ConnectAsync("x", Url, Options("polling"));
        Assert.True(c.Connected);
        AssertError("NOT_JOINED", await _js.EmitAsync("x", "set_game_state", new { state = 1 }));
        AssertError("NOT_JOINED", await _js.EmitAsync("x", "message_to_host", new { message = 1 }));
        AssertError("UNKNOWN_COMMAND", await _js.EmitAsync("x", "make_coffee", new { }));

        // Without an ack the failure arrives as relay_error naming the command.
        await _js.EmitAsync("x", "poll_end", new { pollId = "p" }, ack: false);
        var err = await _js.NextAsync("x", "relay_error");
        Assert.Equal("NOT_JOINED", Str(err, "code"));
        Assert.Equal("poll_end", Str(err, "command"));
        Assert.False(string.IsNullOrWhiteSpace(Str(err, "message")));
    }

    [Fact]
    public async Task SecondHandshakeIsAlreadyJoinedAndTheSeatStays()
    {
        var (code, _, playerId) = await RoomWithEveryoneAsync();
        AssertError("ALREADY_JOINED", await _js.EmitAsync("player", "handshake", new { roomCode = code, role = "player" }));
        AssertOk(await _js.EmitAsync("player", "message_to_host", new { message = "still here" }));
        Assert.Equal(playerId, Str(await _js.NextAsync("host", "client_message"), "clientId"));
    }

    public static TheoryData<string, string, string> ForbiddenPairs()
    {
        var data = new TheoryData<string, string, string>();
        var hostOnly = new[] { "set_game_state", "set_player_state", "poll_start", "poll_end", "poll_results_request", "close_room" };
        foreach (var cmd in hostOnly)
        {
            data.Add("player", cmd, "{}");
            data.Add("audience", cmd, "{}");
        }

        data.Add("host", "message_to_host", """{"message":1}""");
        data.Add("host", "poll_response", """{"pollId":"p","response":"option_0"}""");
        data.Add("player", "poll_response", """{"pollId":"p","response":"option_0"}""");
        data.Add("host", "leave", "{}");
        return data;
    }

    [Theory]
    [MemberData(nameof(ForbiddenPairs))]
    public async Task RoleMayNotSendCommand(string role, string command, string payload)
    {
        await RoomWithEveryoneAsync();
        AssertError("FORBIDDEN", await _js.EmitAsync(role, command, JsonNode.Parse(payload)));
        // The connection goes on working.
        var ok = role == "host"
            ? await _js.EmitAsync("host", "set_game_state", new { state = 1 })
            : await _js.EmitAsync(role, "message_to_host", new { message = 1 });
        AssertOk(ok);
    }

    [Fact]
    public async Task InvalidPayloadsAreRefusedAndTheConnectionGoesOn()
    {
        var (code, _, playerId) = await RoomWithEveryoneAsync();
        AssertError("INVALID_PAYLOAD", await _js.EmitAsync("host", "set_game_state", new { }));
        AssertError("INVALID_PAYLOAD", await _js.EmitAsync("host", "set_game_state", 42));
        AssertError("INVALID_PAYLOAD", await _js.EmitAsync("host", "set_player_state", new { clientId = "not-a-uuid", state = 1 }));
        AssertError("INVALID_PAYLOAD", await _js.EmitAsync("host", "set_player_state", new { clientId = playerId }));
        AssertError("INVALID_PAYLOAD", await _js.EmitAsync("host", "poll_start", new { pollId = "bad id!", type = "free_text", question = "q" }));
        AssertError("INVALID_PAYLOAD", await _js.EmitAsync("host", "poll_start", new { pollId = "p1", type = "single_choice", question = "q", options = new[] { "only one" } }));
        AssertError("INVALID_PAYLOAD", await _js.EmitAsync("host", "poll_start", new { pollId = "p1", type = "ranked", question = "q", options = new[] { "a", "b" } }));
        AssertError("INVALID_PAYLOAD", await _js.EmitAsync("player", "message_to_host", new { }));
        AssertError("INVALID_PAYLOAD", await _js.EmitAsync("player", "leave", "go"));
        AssertError("PLAYER_NOT_FOUND", await _js.EmitAsync("host", "set_player_state", new { clientId = Guid.NewGuid().ToString(), state = 1 }));

        var ack = await _js.EmitAsync("host", "set_game_state", new { state = new { fine = true } });
        AssertOk(ack);
        Assert.Equal(1, Num(ack, "rev"));
        Assert.Equal(1, Num(await _js.NextAsync("player", "game_state"), "rev"));
        _ = code;
    }

    [Fact]
    public async Task MetaOverFourKibibytesIsPayloadTooLarge()
    {
        var (code, _) = await _node.CreateRoomAsync();
        var big = new string('x', 5000);
        var c = await _js.ConnectAsync("p", Url, Options("websocket"));
        Assert.True(c.Connected);
        AssertError("PAYLOAD_TOO_LARGE", await _js.EmitAsync("p", "handshake", new { roomCode = code, role = "player", meta = new { name = big } }));
    }

    [Fact]
    public async Task PollErrorsAndValidation()
    {
        await RoomWithEveryoneAsync();
        AssertOk(await _js.EmitAsync("host", "poll_start", new { pollId = "s", type = "single_choice", question = "q", options = new[] { "a", "b" } }));
        AssertError("POLL_EXISTS", await _js.EmitAsync("host", "poll_start", new { pollId = "s", type = "free_text", question = "again" }));
        AssertError("POLL_NOT_FOUND", await _js.EmitAsync("host", "poll_end", new { pollId = "nope" }));
        AssertError("POLL_NOT_FOUND", await _js.EmitAsync("audience", "poll_response", new { pollId = "nope", response = "option_0" }));
        AssertError("POLL_NOT_FOUND", await _js.EmitAsync("host", "poll_results_request", new { pollId = "nope" }));
        AssertError("INVALID_RESPONSE", await _js.EmitAsync("audience", "poll_response", new { pollId = "s", response = "option_2" }));
        AssertError("INVALID_RESPONSE", await _js.EmitAsync("audience", "poll_response", new { pollId = "s", response = new[] { "option_0" } }));
        AssertError("INVALID_PAYLOAD", await _js.EmitAsync("audience", "poll_response", new { pollId = "s" }));
        AssertOk(await _js.EmitAsync("host", "poll_end", new { pollId = "s" }));
        AssertError("POLL_NOT_ACTIVE", await _js.EmitAsync("host", "poll_end", new { pollId = "s" }));
        AssertError("POLL_NOT_ACTIVE", await _js.EmitAsync("audience", "poll_response", new { pollId = "s", response = "option_0" }));
    }

    [Fact]
    public async Task PollAggregationForAllThreeTypes()
    {
        var (code, _, _) = await RoomWithEveryoneAsync();
        await _js.AudienceAsync("aud2", Url, code);
        await _js.AudienceAsync("aud3", Url, code);

        AssertOk(await _js.EmitAsync("host", "poll_start", new { pollId = "single", type = "single_choice", question = "q", options = new[] { "a", "b", "c" } }));
        AssertOk(await _js.EmitAsync("host", "poll_start", new { pollId = "multi", type = "multiple_choice", question = "q", options = new[] { "a", "b", "c" } }));
        AssertOk(await _js.EmitAsync("host", "poll_start", new { pollId = "text", type = "free_text", question = "q" }));

        // The late joiner sees the active polls in its handshake response.
        var late = await _js.AudienceAsync("aud4", Url, code);
        Assert.Equal(3, late["polls"]!.AsArray().Count);

        AssertOk(await _js.EmitAsync("audience", "poll_response", new { pollId = "single", response = "option_0" }));
        AssertOk(await _js.EmitAsync("audience", "poll_response", new { pollId = "single", response = "option_2" })); // last answer wins
        AssertOk(await _js.EmitAsync("aud2", "poll_response", new { pollId = "single", response = "option_2" }));

        AssertOk(await _js.EmitAsync("audience", "poll_response", new { pollId = "multi", response = new[] { "option_0", "option_1" } }));
        AssertOk(await _js.EmitAsync("aud2", "poll_response", new { pollId = "multi", response = new[] { "option_1" } }));
        AssertOk(await _js.EmitAsync("aud3", "poll_response", new { pollId = "multi", response = Array.Empty<string>() }));
        AssertError("INVALID_RESPONSE", await _js.EmitAsync("aud4", "poll_response", new { pollId = "multi", response = new[] { "option_1", "option_1" } }));

        AssertOk(await _js.EmitAsync("audience", "poll_response", new { pollId = "text", response = "  blue  " }));
        AssertOk(await _js.EmitAsync("aud2", "poll_response", new { pollId = "text", response = "blue" }));
        AssertOk(await _js.EmitAsync("aud3", "poll_response", new { pollId = "text", response = "red" }));
        AssertError("INVALID_RESPONSE", await _js.EmitAsync("aud4", "poll_response", new { pollId = "text", response = "   " }));
        // Over the free-text limit (500 characters) is a field limit: PAYLOAD_TOO_LARGE (PROTOCOL §8.7).
        AssertError("PAYLOAD_TOO_LARGE", await _js.EmitAsync("aud4", "poll_response", new { pollId = "text", response = new string('x', 501) }));

        var single = await _js.EmitAsync("host", "poll_results_request", new { pollId = "single" });
        AssertJsonEqual("""{"option_0":0,"option_1":0,"option_2":2,"totalResponses":2}""", single!["results"]);
        Assert.True(single["active"]!.GetValue<bool>());
        Assert.Equal("single_choice", Str(single, "type"));

        var multi = await _js.EmitAsync("host", "poll_results_request", new { pollId = "multi" });
        AssertJsonEqual("""{"option_0":1,"option_1":2,"option_2":0,"totalResponses":3}""", multi!["results"]);

        var text = await _js.EmitAsync("host", "poll_results_request", new { pollId = "text" });
        AssertJsonEqual("""{"responses":{"blue":2,"red":1},"distinctResponses":2,"nextCursor":null,"totalResponses":3}""", text!["results"]);
    }

    [Fact]
    public async Task LeaveFreesTheSeatAndTellsTheHost()
    {
        var (code, key) = await _node.CreateRoomAsync(maxPlayers: 1);
        await _js.HostAsync("host", Url, code, key);
        var p = await _js.PlayerAsync("p1", Url, code);
        var id = Str(p, "clientId");
        await _js.NextAsync("host", "client_joined");

        AssertOk(await _js.EmitNoArgsAsync("p1", "leave"));
        var left = await _js.NextAsync("host", "client_left");
        Assert.Equal(id, Str(left, "clientId"));
        Assert.Equal("player", Str(left, "role"));
        Assert.Equal("left", Str(left, "reason"));
        Assert.NotNull(await _js.NextAsync("p1", "disconnect"));

        // The seat is free for someone else, and the old seat cannot be reclaimed.
        await _js.PlayerAsync("p2", Url, code);
        var reclaim = await _js.ConnectAsync("p1again", Url, Options("websocket", new { roomCode = code, role = "player", clientId = id, seatToken = Str(p, "seatToken") }));
        Assert.False(reclaim.Connected);
        Assert.Equal("SEAT_NOT_FOUND", Str(reclaim.ErrorData, "code"));
    }

    [Fact]
    public async Task AudienceDisconnectIsClientLeftDisconnected()
    {
        var (code, key) = await _node.CreateRoomAsync();
        await _js.HostAsync("host", Url, code, key);
        var a = await _js.AudienceAsync("a1", Url, code);
        await _js.NextAsync("host", "client_joined");
        await _js.DisconnectAsync("a1");
        var left = await _js.NextAsync("host", "client_left");
        Assert.Equal(Str(a, "clientId"), Str(left, "clientId"));
        Assert.Equal("audience", Str(left, "role"));
        Assert.Equal("disconnected", Str(left, "reason"));
    }
}
