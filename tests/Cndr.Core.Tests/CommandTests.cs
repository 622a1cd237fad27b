using System.Text;
using Cndr.Core.Store;
using Cndr.Core.Tests.Infrastructure;
using Cndr.Transport.SocketIO;

namespace Cndr.Core.Tests;

public sealed class CommandTests : IDisposable
{
    private readonly RelayFixture _f = new();

    public void Dispose() => _f.Dispose();

    private async Task<(FakeConnection Host, FakeConnection Player, string PlayerId, FakeConnection Audience)> RoomAsync()
    {
        await _f.CreateRoomAsync();
        var host = await _f.HostAsync();
        var (p, id, _) = await _f.PlayerAsync();
        var a = await _f.AudienceAsync();
        host.ClearEvents();
        p.ClearEvents();
        a.ClearEvents();
        return (host, p, id, a);
    }

    [Fact]
    public async Task UnknownCommandIsReportedThroughAckOrRelayErrorWithTheEventName()
    {
        var c = await _f.ConnectAsync();
        JsonAssert.IsError(await _f.EmitAsync(c, "fly_away", "{}"), "UNKNOWN_COMMAND");
        await _f.EmitAsync(c, "fly_away", "{}", ack: false);
        var err = c.Single("relay_error").Arg;
        Assert.Equal("UNKNOWN_COMMAND", err.GetProperty("code").GetString());
        Assert.Equal("fly_away", err.GetProperty("command").GetString());
        Assert.False(string.IsNullOrEmpty(err.GetProperty("message").GetString()));
        Assert.False(c.IsDisconnected);
    }

    [Theory]
    [InlineData("set_game_state")]
    [InlineData("set_player_state")]
    [InlineData("message_to_host")]
    [InlineData("leave")]
    [InlineData("poll_start")]
    [InlineData("poll_response")]
    [InlineData("poll_end")]
    [InlineData("poll_results_request")]
    [InlineData("close_room")]
    public async Task CommandsBeforeHandshakeAreNotJoined(string command)
    {
        var c = await _f.ConnectAsync();
        JsonAssert.IsError(await _f.EmitAsync(c, command, "{}"), "NOT_JOINED");
        Assert.False(c.IsDisconnected);
    }

    public static TheoryData<string, string, bool> Matrix()
    {
        var allowed = new Dictionary<string, string[]>
        {
            ["set_game_state"] = ["host"],
            ["set_player_state"] = ["host"],
            ["message_to_host"] = ["player", "audience"],
            ["leave"] = ["player", "audience"],
            ["poll_start"] = ["host"],
            ["poll_response"] = ["audience"],
            ["poll_end"] = ["host"],
            ["poll_results_request"] = ["host"],
            ["close_room"] = ["host"],
        };
        var data = new TheoryData<string, string, bool>();
        foreach (var (cmd, roles) in allowed)
        {
            foreach (var role in new[] { "host", "player", "audience" })
            {
                data.Add(role, cmd, roles.Contains(role));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task PermissionMatrixIsEnforcedForEveryRoleAndCommand(string role, string command, bool allowed)
    {
        var (host, p, _, a) = await RoomAsync();
        var c = role switch { "host" => host, "player" => p, _ => a };
        // An argument valid for no command: allowed commands fail later (INVALID_PAYLOAD), never FORBIDDEN.
        var ack = await _f.EmitAsync(c, command, "[]");
        if (allowed)
        {
            Assert.NotEqual("FORBIDDEN", ack.TryGetProperty("error", out var e) ? e.GetProperty("code").GetString() : null);
        }
        else
        {
            JsonAssert.IsError(ack, "FORBIDDEN");
            Assert.False(c.IsDisconnected);
        }
    }

    [Fact]
    public async Task ForbiddenComesBeforeRateLimitedAndRateLimitedBeforeInvalidPayload()
    {
        using var f = new RelayFixture(o => o.RateLimitMessages = 1);
        await f.CreateRoomAsync();
        await f.HostAsync();
        var (p, _, _) = await f.PlayerAsync();
        JsonAssert.IsError(await f.EmitAsync(p, "poll_response", "[]"), "FORBIDDEN");
        JsonAssert.IsError(await f.EmitAsync(p, "message_to_host", "[]"), "INVALID_PAYLOAD");
        JsonAssert.IsError(await f.EmitAsync(p, "message_to_host", "[]"), "RATE_LIMITED");
        JsonAssert.IsError(await f.EmitAsync(p, "poll_response", "[]"), "FORBIDDEN");
    }

    [Fact]
    public async Task SetGameStateReachesEveryPlayerAndAudienceMemberWithTheExactBytesAndRevision()
    {
        var (host, p, _, a) = await RoomAsync();
        const string state = """{"round":3, "board":[1,2,{"x":"é\u0041"}],"s":"<b>"}""";
        var ack = await _f.EmitAsync(host, "set_game_state", $$"""{"state":{{state}}}""");
        JsonAssert.IsOk(ack);
        Assert.Equal(1, ack.GetProperty("rev").GetInt64());
        foreach (var c in new[] { p, a })
        {
            var e = c.Single("game_state");
            Assert.Equal($$"""42["game_state",{"state":{{state}},"rev":1}]""", e.Raw);
        }

        Assert.Empty(host.EventsNamed("game_state"));
        var ack2 = await _f.EmitAsync(host, "set_game_state", """{"state":null}""");
        Assert.Equal(2, ack2.GetProperty("rev").GetInt64());
        Assert.Equal(2, p.EventsNamed("game_state")[1].Arg.GetProperty("rev").GetInt64());
    }

    [Fact]
    public async Task LateJoinersGetTheCurrentGameStateAndRevision()
    {
        var (host, _, _, _) = await RoomAsync();
        await _f.EmitAsync(host, "set_game_state", """{"state":{"v":1}}""");
        await _f.EmitAsync(host, "set_game_state", """{"state":{"v":2}}""");
        var (_, r) = await _f.HandshakeAsync("""{"roomCode":"ABC123","role":"audience"}""");
        Assert.Equal("""{"v":2}""", r.GetProperty("gameState").GetRawText());
        Assert.Equal(2, r.GetProperty("gameStateRev").GetInt64());
    }

    [Theory]
    [InlineData("""{"stat":1}""")]
    [InlineData("""[1]""")]
    [InlineData("42")]
    [InlineData(null)]
    public async Task SetGameStateWithoutStateIsInvalidPayloadAndTheConnectionGoesOn(string? arg)
    {
        var (host, p, _, _) = await RoomAsync();
        JsonAssert.IsError(await _f.EmitAsync(host, "set_game_state", arg), "INVALID_PAYLOAD");
        Assert.Empty(p.Events);
        JsonAssert.IsOk(await _f.EmitAsync(host, "set_game_state", """{"state":1}"""));
    }

    [Fact]
    public async Task FailureWithoutAckIsARelayErrorNamingTheCommand()
    {
        var (host, _, _, _) = await RoomAsync();
        await _f.EmitAsync(host, "set_game_state", "{}", ack: false);
        var e = host.Single("relay_error").Arg;
        Assert.Equal("INVALID_PAYLOAD", e.GetProperty("code").GetString());
        Assert.Equal("set_game_state", e.GetProperty("command").GetString());
    }

    [Fact]
    public async Task SuccessWithoutAckIsSilentForTheSender()
    {
        var (host, p, _, _) = await RoomAsync();
        await _f.EmitAsync(host, "set_game_state", """{"state":1}""", ack: false);
        Assert.Empty(host.Events);
        Assert.Single(p.EventsNamed("game_state"));
    }

    [Fact]
    public async Task BinaryAttachmentsAreInvalidPayload()
    {
        var (host, _, _, _) = await RoomAsync();
        var data = Encoding.UTF8.GetBytes("""["set_game_state",{"state":{"_placeholder":true,"num":0}}]""");
        await _f.Handler.OnEventAsync(host, new SocketIOEvent("set_game_state"u8.ToArray(), data, data.AsMemory(17, data.Length - 18), 99, [new byte[] { 1 }]));
        JsonAssert.IsError(host.Ack(99), "INVALID_PAYLOAD");
    }

    [Fact]
    public async Task SetPlayerStateReachesOnlyThatPlayerAndCarriesRevisions()
    {
        var (host, p, id, a) = await RoomAsync();
        var (p2, _, _) = await _f.PlayerAsync();
        p2.ClearEvents();
        var ack = await _f.EmitAsync(host, "set_player_state", $$$"""{"clientId":"{{{id}}}","state":{"hand":["a","b"]}}""");
        JsonAssert.IsOk(ack);
        Assert.Equal(1, ack.GetProperty("rev").GetInt64());
        Assert.Equal("""42["player_state",{"state":{"hand":["a","b"]},"rev":1}]""", p.Single("player_state").Raw);
        Assert.Empty(p2.Events);
        Assert.Empty(a.Events);
        var ack2 = await _f.EmitAsync(host, "set_player_state", $$"""{"clientId":"{{id}}","state":2}""");
        Assert.Equal(2, ack2.GetProperty("rev").GetInt64());
    }

    [Fact]
    public async Task PlayerStateSetWhileDisconnectedArrivesInTheNextHandshakeResponse()
    {
        await _f.CreateRoomAsync();
        var host = await _f.HostAsync();
        var (p, id, token) = await _f.PlayerAsync();
        p.Drop();
        JsonAssert.IsOk(await _f.EmitAsync(host, "set_player_state", $$$"""{"clientId":"{{{id}}}","state":{"secret":7}}"""));
        await _f.EmitAsync(host, "set_game_state", """{"state":{"g":1}}""");
        var (_, r) = await _f.HandshakeAsync($$"""{"roomCode":"ABC123","role":"player","clientId":"{{id}}","seatToken":"{{token}}"}""");
        Assert.Equal("""{"secret":7}""", r.GetProperty("playerState").GetRawText());
        Assert.Equal(1, r.GetProperty("playerStateRev").GetInt64());
        Assert.Equal("""{"g":1}""", r.GetProperty("gameState").GetRawText());
        Assert.Equal(1, r.GetProperty("gameStateRev").GetInt64());
    }

    [Theory]
    [InlineData("""{"clientId":"6f1c2a4e-1b2c-4d3e-8f90-123456789abc","state":1}""", "PLAYER_NOT_FOUND")]
    [InlineData("""{"clientId":"bob","state":1}""", "INVALID_PAYLOAD")]
    [InlineData("""{"clientId":7,"state":1}""", "INVALID_PAYLOAD")]
    [InlineData("""{"state":1}""", "INVALID_PAYLOAD")]
    public async Task SetPlayerStateErrors(string arg, string code)
    {
        var (host, p, id, _) = await RoomAsync();
        JsonAssert.IsError(await _f.EmitAsync(host, "set_player_state", arg), code);
        JsonAssert.IsError(await _f.EmitAsync(host, "set_player_state", $$"""{"clientId":"{{id}}"}"""), "INVALID_PAYLOAD");
        Assert.Empty(p.Events);
    }

    [Fact]
    public async Task MessageToHostArrivesAsClientMessageWithSenderRoleAndTimestamp()
    {
        var (host, p, id, a) = await RoomAsync();
        JsonAssert.IsOk(await _f.EmitAsync(p, "message_to_host", """{"message":{"type":"move","data":[1, 2]}}"""));
        JsonAssert.IsOk(await _f.EmitAsync(a, "message_to_host", """{"message":"boo"}"""));
        var msgs = host.EventsNamed("client_message");
        Assert.Equal(2, msgs.Count);
        Assert.Equal($$"""42["client_message",{"clientId":"{{id}}","role":"player","message":{"type":"move","data":[1, 2]},"timestamp":{{_f.Time.NowMs}}}]""", msgs[0].Raw);
        Assert.Equal(a.Id, msgs[1].Arg.GetProperty("clientId").GetString());
        Assert.Equal("audience", msgs[1].Arg.GetProperty("role").GetString());
        Assert.Equal("\"boo\"", msgs[1].Arg.GetProperty("message").GetRawText());
    }

    [Fact]
    public async Task MessageToHostWithoutMessageIsInvalidPayload()
    {
        var (host, p, _, _) = await RoomAsync();
        JsonAssert.IsError(await _f.EmitAsync(p, "message_to_host", """{"msg":1}"""), "INVALID_PAYLOAD");
        Assert.Empty(host.Events);
    }

    [Fact]
    public async Task MessagesWhileTheHostIsAwayAreQueuedAndDeliveredInOrderAfterTheHandshakeResponse()
    {
        await _f.CreateRoomAsync();
        var (p, id, _) = await _f.PlayerAsync();
        var a = await _f.AudienceAsync();
        for (var i = 0; i < 5; i++)
        {
            JsonAssert.IsOk(await _f.EmitAsync(i % 2 == 0 ? p : a, "message_to_host", $$$"""{"message":{"n":{{{i}}}}}"""));
        }

        var host = await _f.HostAsync();
        Assert.Equal("handshake_response", host.Events[0].Name);
        var msgs = host.EventsNamed("client_message");
        Assert.Equal([0, 1, 2, 3, 4], msgs.Select(m => m.Arg.GetProperty("message").GetProperty("n").GetInt32()));
        Assert.Equal(id, msgs[0].Arg.GetProperty("clientId").GetString());
        Assert.Equal("audience", msgs[1].Arg.GetProperty("role").GetString());

        // Afterwards messages go straight to the host, still in order.
        JsonAssert.IsOk(await _f.EmitAsync(p, "message_to_host", """{"message":{"n":5}}"""));
        Assert.Equal(6, host.EventsNamed("client_message").Count);
        var info = await _f.Store.PeekToHostAsync(RelayFixture.Code("ABC123"), 10, int.MaxValue);
        Assert.Empty(info);
    }

    [Fact]
    public async Task HostQueueIsBoundedAndThenQueueFull()
    {
        using var f = new RelayFixture(o => o.ToHostQueueLimit = 3);
        await f.CreateRoomAsync();
        var (p, _, _) = await f.PlayerAsync();
        for (var i = 0; i < 3; i++)
        {
            JsonAssert.IsOk(await f.EmitAsync(p, "message_to_host", $$"""{"message":{{i}}}"""));
        }

        JsonAssert.IsError(await f.EmitAsync(p, "message_to_host", """{"message":3}"""), "QUEUE_FULL");
        Assert.False(p.IsDisconnected);
        var host = await f.HostAsync();
        Assert.Equal(3, host.EventsNamed("client_message").Count);
        JsonAssert.IsOk(await f.EmitAsync(p, "message_to_host", """{"message":4}"""));
        Assert.Equal(4, host.EventsNamed("client_message").Count);
    }

    [Fact]
    public async Task RateLimitIsSharedByMessagesAndPollAnswersAndTellsWhenToRetry()
    {
        using var f = new RelayFixture(o =>
        {
            o.RateLimitMessages = 3;
            o.RateLimitWindowMs = 60_000;
        });
        await f.CreateRoomAsync();
        var host = await f.HostAsync();
        var a = await f.AudienceAsync();
        await f.EmitAsync(host, "poll_start", """{"pollId":"p1","type":"single_choice","question":"Q","options":["x","y"]}""");
        JsonAssert.IsOk(await f.EmitAsync(a, "message_to_host", """{"message":1}"""));
        JsonAssert.IsOk(await f.EmitAsync(a, "poll_response", """{"pollId":"p1","response":"option_0"}"""));
        JsonAssert.IsError(await f.EmitAsync(a, "message_to_host", """{"nope":1}"""), "INVALID_PAYLOAD");
        f.Time.Advance(TimeSpan.FromSeconds(20));
        var limited = await f.EmitAsync(a, "poll_response", """{"pollId":"p1","response":"option_1"}""");
        JsonAssert.IsError(limited, "RATE_LIMITED");
        Assert.Equal(40_000, limited.GetProperty("error").GetProperty("retryAfterMs").GetInt64());
        await f.EmitAsync(a, "message_to_host", """{"message":2}""", ack: false);
        var relayError = a.Single("relay_error").Arg;
        Assert.Equal("RATE_LIMITED", relayError.GetProperty("code").GetString());
        Assert.Equal(40_000, relayError.GetProperty("retryAfterMs").GetInt64());
        Assert.Equal("message_to_host", relayError.GetProperty("command").GetString());
        Assert.Single(host.EventsNamed("client_message"));

        f.Time.Advance(TimeSpan.FromSeconds(40));
        JsonAssert.IsOk(await f.EmitAsync(a, "message_to_host", """{"message":3}"""));
        Assert.False(a.IsDisconnected);
    }

    [Fact]
    public async Task HostCommandsAreNotRateLimited()
    {
        using var f = new RelayFixture(o => o.RateLimitMessages = 1);
        await f.CreateRoomAsync();
        var host = await f.HostAsync();
        for (var i = 0; i < 5; i++)
        {
            JsonAssert.IsOk(await f.EmitAsync(host, "set_game_state", """{"state":1}"""));
        }
    }

    [Fact]
    public async Task PlayerLeaveFreesTheSeatTellsTheHostAndClosesTheConnection()
    {
        await _f.CreateRoomAsync(maxPlayers: 1);
        var host = await _f.HostAsync();
        var (p, id, token) = await _f.PlayerAsync();
        host.ClearEvents();
        JsonAssert.IsOk(await _f.EmitAsync(p, "leave", null));
        Assert.True(p.IsDisconnected);
        var left = host.Single("client_left").Arg;
        Assert.Equal(id, left.GetProperty("clientId").GetString());
        Assert.Equal("player", left.GetProperty("role").GetString());
        Assert.Equal("left", left.GetProperty("reason").GetString());
        Assert.Empty(host.EventsNamed("client_disconnected"));
        var (_, reclaim) = await _f.HandshakeAsync($$"""{"roomCode":"ABC123","role":"player","clientId":"{{id}}","seatToken":"{{token}}"}""");
        JsonAssert.IsError(reclaim, "SEAT_NOT_FOUND");
        await _f.PlayerAsync();
    }

    [Fact]
    public async Task AudienceLeaveAndDisconnectAreClientLeftWithTheirReason()
    {
        var (host, _, _, a) = await RoomAsync();
        var a2 = await _f.AudienceAsync();
        JsonAssert.IsOk(await _f.EmitAsync(a, "leave", "{}"));
        a2.Drop();
        var left = host.EventsNamed("client_left");
        Assert.Equal(["left", "disconnected"], left.Select(e => e.Arg.GetProperty("reason").GetString()));
        Assert.Equal("audience", left[0].Arg.GetProperty("role").GetString());
        var info = await _f.Store.GetRoomInfoAsync(RelayFixture.Code("ABC123"));
        Assert.Equal(0, info!.AudienceCount);
    }

    [Fact]
    public async Task LeaveAndCloseRoomWithANonObjectArgumentAreInvalidPayload()
    {
        var (host, p, _, _) = await RoomAsync();
        JsonAssert.IsError(await _f.EmitAsync(p, "leave", "\"now\""), "INVALID_PAYLOAD");
        JsonAssert.IsError(await _f.EmitAsync(host, "close_room", "1"), "INVALID_PAYLOAD");
        Assert.False(p.IsDisconnected);
        Assert.False(host.IsDisconnected);
    }

    [Fact]
    public async Task PlayerDisconnectKeepsTheSeatAndTellsTheHost()
    {
        var (host, p, id, _) = await RoomAsync();
        p.Drop();
        var e = host.Single("client_disconnected").Arg;
        Assert.Equal(id, e.GetProperty("clientId").GetString());
        Assert.Equal("player", e.GetProperty("role").GetString());
        var info = await _f.Store.GetRoomInfoAsync(RelayFixture.Code("ABC123"));
        Assert.Equal(1, info!.PlayerCount);
    }

    [Fact]
    public async Task CloseRoomTellsEveryoneDisconnectsThemAndDeletesEveryKey()
    {
        var (host, p, id, a) = await RoomAsync();
        await _f.EmitAsync(host, "set_game_state", """{"state":1}""");
        await _f.EmitAsync(host, "set_player_state", $$"""{"clientId":"{{id}}","state":1}""");
        await _f.EmitAsync(host, "poll_start", """{"pollId":"p","type":"free_text","question":"Q"}""");
        await _f.EmitAsync(a, "poll_response", """{"pollId":"p","response":"hi"}""");
        var ack = await _f.EmitAsync(host, "close_room", null);
        JsonAssert.IsOk(ack);
        foreach (var c in new[] { host, p, a })
        {
            Assert.Equal("closed_by_host", c.Single("room_closed").Arg.GetProperty("reason").GetString());
            Assert.True(c.IsDisconnected);
        }

        var code = RelayFixture.Code("ABC123");
        Assert.Null(await _f.Store.GetRoomInfoAsync(code));
        Assert.Null(await _f.Store.GetRoomConfigAsync(code));
        Assert.Null(await _f.Store.GetPollAsync(code, "p"));
        Assert.Empty(await _f.Store.ListRoomsAsync());
        Assert.Equal(0, _f.Handler.LocalRoomCount);

        // The code can be reused from scratch.
        await _f.CreateRoomAsync();
        var (_, r) = await _f.HandshakeAsync("""{"roomCode":"ABC123","role":"audience"}""");
        Assert.Equal(0, r.GetProperty("gameStateRev").GetInt64());
    }

    [Fact]
    public async Task CloseRoomFromTheAdminSideSaysInactive()
    {
        var (host, p, _, _) = await RoomAsync();
        Assert.True(await _f.Handler.CloseRoomAsync(RelayFixture.Code("ABC123"), Relay.RoomCloseReason.Inactive));
        Assert.Equal("inactive", p.Single("room_closed").Arg.GetProperty("reason").GetString());
        Assert.True(host.IsDisconnected);
        Assert.False(await _f.Handler.CloseRoomAsync(RelayFixture.Code("ABC123"), Relay.RoomCloseReason.Inactive));
    }

    [Fact]
    public async Task StoreOutageIsUnavailableAndTheConnectionGoesOn()
    {
        var store = new FlakyStore(new EmbeddedRelayStore());
        using var f = new RelayFixture(store: store);
        await f.CreateRoomAsync();
        var host = await f.HostAsync();
        store.Down = true;
        JsonAssert.IsError(await f.EmitAsync(host, "set_game_state", """{"state":1}"""), "UNAVAILABLE");
        var (c, r) = await f.HandshakeAsync("""{"roomCode":"ABC123","role":"audience"}""");
        JsonAssert.IsError(r, "UNAVAILABLE");
        var (_, d) = await f.ConnectWithAuthAsync("""{"roomCode":"ABC123","role":"audience"}""");
        Assert.False(d.Accepted);
        Assert.Contains("UNAVAILABLE", Encoding.UTF8.GetString(d.ErrorJson.Span), StringComparison.Ordinal);
        store.Down = false;
        Assert.False(host.IsDisconnected);
        JsonAssert.IsOk(await f.EmitAsync(host, "set_game_state", """{"state":1}"""));
        Assert.True(c.IsDisconnected);
    }
}
