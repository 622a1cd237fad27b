using System.Text;
using System.Text.Json;
using Cndr.Core.Store;
using Cndr.Core.Tests.Infrastructure;

namespace Cndr.Core.Tests;

public sealed class HandshakeTests : IDisposable
{
    private readonly RelayFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task HostHandshakeAnswersWithEventAndAckCarryingTheSameObject()
    {
        await _f.CreateRoomAsync();
        var (c, ack) = await _f.HandshakeAsync("""{"roomCode":"ABC123","role":"host","hostKey":"host-key-1"}""");
        Assert.Equal("success", ack.GetProperty("status").GetString());
        Assert.Equal("ABC123", ack.GetProperty("roomCode").GetString());
        Assert.Equal("host", ack.GetProperty("role").GetString());
        Assert.Equal(c.Id, ack.GetProperty("clientId").GetString());
        Assert.Equal(JsonValueKind.Null, ack.GetProperty("gameState").ValueKind);
        Assert.Equal(0, ack.GetProperty("gameStateRev").GetInt64());
        Assert.Equal(0, ack.GetProperty("clients").GetArrayLength());
        Assert.False(ack.TryGetProperty("seatToken", out _));
        var evt = c.Single("handshake_response");
        Assert.Equal(ack.GetRawText(), evt.Arg.GetRawText());
        Assert.Equal("handshake_response", c.Events[0].Name);
    }

    [Fact]
    public async Task PlayerGetsUuidV4ClientIdAndUrlSafeSeatTokenOfAtLeast128Bits()
    {
        await _f.CreateRoomAsync();
        await _f.HostAsync();
        var (c, r) = await _f.HandshakeAsync("""{"roomCode":"abc123","role":"player","meta":{"playerName":"Alice"}}""");
        Assert.Equal("success", r.GetProperty("status").GetString());
        Assert.Equal("ABC123", r.GetProperty("roomCode").GetString());
        var id = r.GetProperty("clientId").GetString()!;
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
        var token = r.GetProperty("seatToken").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{22,}$", token);
        Assert.False(r.GetProperty("reconnected").GetBoolean());
        Assert.True(r.GetProperty("hostConnected").GetBoolean());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("playerState").ValueKind);
        Assert.Equal(0, r.GetProperty("playerStateRev").GetInt64());
        Assert.Equal("handshake_response", c.Events[0].Name);
    }

    [Fact]
    public async Task HostIsToldWhoJoinsWithMetaAndJoinTime()
    {
        await _f.CreateRoomAsync();
        var host = await _f.HostAsync();
        var (_, id, _) = await _f.PlayerAsync(meta: """{"playerName":"Bob","n":[1,2]}""");
        var joined = host.Single("client_joined").Arg;
        Assert.Equal(id, joined.GetProperty("clientId").GetString());
        Assert.Equal("player", joined.GetProperty("role").GetString());
        Assert.Equal("""{"playerName":"Bob","n":[1,2]}""", joined.GetProperty("meta").GetRawText());
        Assert.False(joined.GetProperty("reconnected").GetBoolean());
        Assert.Equal(_f.Time.NowMs, joined.GetProperty("joinedAt").GetInt64());

        var audience = await _f.AudienceAsync();
        var aj = host.EventsNamed("client_joined")[1].Arg;
        Assert.Equal(audience.Id, aj.GetProperty("clientId").GetString());
        Assert.Equal("audience", aj.GetProperty("role").GetString());
        Assert.Equal("{}", aj.GetProperty("meta").GetRawText());
    }

    [Fact]
    public async Task HostHandshakeListsHeldSeatsAndAudience()
    {
        await _f.CreateRoomAsync();
        var (p1, id1, _) = await _f.PlayerAsync();
        var (_, id2, _) = await _f.PlayerAsync(meta: """{"playerName":"Zed"}""");
        var a = await _f.AudienceAsync();
        p1.Drop();
        var (_, r) = await _f.HandshakeAsync("""{"roomCode":"ABC123","role":"host","hostKey":"host-key-1"}""");
        var clients = r.GetProperty("clients").EnumerateArray().ToDictionary(e => e.GetProperty("clientId").GetString()!);
        Assert.Equal(3, clients.Count);
        Assert.False(clients[id1].GetProperty("connected").GetBoolean());
        Assert.True(clients[id2].GetProperty("connected").GetBoolean());
        Assert.Equal("""{"playerName":"Zed"}""", clients[id2].GetProperty("meta").GetRawText());
        Assert.Equal("audience", clients[a.Id].GetProperty("role").GetString());
    }

    [Fact]
    public async Task ConnectAuthHandshakeSendsResponseAsFirstEventAfterConnect()
    {
        await _f.CreateRoomAsync();
        var (c, d) = await _f.ConnectWithAuthAsync("""{"roomCode":"ABC123","role":"player","meta":{"playerName":"A"}}""");
        Assert.True(d.Accepted);
        Assert.Equal("handshake_response", c.Events[0].Name);
        Assert.Equal("success", c.Events[0].Arg.GetProperty("status").GetString());
        Assert.Equal(0, _f.Handler.PendingHandshakeCount);
    }

    [Fact]
    public async Task ConnectAuthFailureRefusesWithMessageAndCode()
    {
        var (_, d) = await _f.ConnectWithAuthAsync("""{"roomCode":"NOPE00","role":"player"}""");
        Assert.False(d.Accepted);
        using var doc = JsonDocument.Parse(d.ErrorJson);
        Assert.Equal("ROOM_NOT_FOUND", doc.RootElement.GetProperty("data").GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task ConnectAuthWithoutRoomCodeOrRoleConnectsAndWaitsForHandshake()
    {
        await _f.CreateRoomAsync();
        var (c, d) = await _f.ConnectWithAuthAsync("""{"token":"x"}""");
        Assert.True(d.Accepted);
        Assert.Empty(c.Events);
        Assert.Equal(1, _f.Handler.PendingHandshakeCount);
        var r = await _f.EmitAsync(c, "handshake", """{"roomCode":"ABC123","role":"audience"}""");
        Assert.Equal("success", r.GetProperty("status").GetString());
    }

    [Fact]
    public async Task PlayerReconnectingThroughConnectAuthGetsItsSeatBack()
    {
        await _f.CreateRoomAsync(password: "pw");
        var (p, id, token) = await _f.PlayerAsync(password: "pw");
        p.Drop();
        var (c, d) = await _f.ConnectWithAuthAsync($$"""{"roomCode":"ABC123","role":"player","password":"pw","clientId":"{{id}}","seatToken":"{{token}}"}""");
        Assert.True(d.Accepted);
        var r = c.Events[0].Arg;
        Assert.True(r.GetProperty("reconnected").GetBoolean());
        Assert.Equal(id, r.GetProperty("clientId").GetString());
        Assert.Equal(token, r.GetProperty("seatToken").GetString());
    }

    public static TheoryData<string, string> HandshakeErrors => new()
    {
        { """{"roomCode":"ZZZ999","role":"player"}""", "ROOM_NOT_FOUND" },
        { """{"roomCode":"ABC123","role":"host","hostKey":"wrong"}""", "INVALID_HOST_KEY" },
        { """{"roomCode":"ABC123","role":"player","password":"wrong"}""", "INVALID_PASSWORD" },
        { """{"roomCode":"ABC123","role":"player"}""", "INVALID_PASSWORD" },
        { """{"roomCode":"ABC123","role":"player","password":"pw","clientId":"6f1c2a4e-1b2c-4d3e-8f90-123456789abc","seatToken":"x"}""", "SEAT_NOT_FOUND" },
        { """{"roomCode":"AB12","role":"player"}""", "INVALID_PAYLOAD" },
        { """{"roomCode":"ABC-23","role":"player"}""", "INVALID_PAYLOAD" },
        { """{"roomCode":123456,"role":"player"}""", "INVALID_PAYLOAD" },
        { """{"roomCode":"ABC123","role":"judge"}""", "INVALID_PAYLOAD" },
        { """{"roomCode":"ABC123"}""", "INVALID_PAYLOAD" },
        { """{"role":"player"}""", "INVALID_PAYLOAD" },
        { """{"roomCode":"ABC123","role":"host"}""", "INVALID_PAYLOAD" },
        { """{"roomCode":"ABC123","role":"player","password":"pw","clientId":"not-a-uuid"}""", "INVALID_PAYLOAD" },
        { """{"roomCode":"ABC123","role":"player","password":"pw","clientId":"6f1c2a4e-1b2c-1d3e-8f90-123456789abc"}""", "INVALID_PAYLOAD" },
        { """{"roomCode":"ABC123","role":"player","password":"pw","meta":"Alice"}""", "INVALID_PAYLOAD" },
        { """{"roomCode":"ABC123","role":"player","password":7}""", "INVALID_PAYLOAD" },
        { "\"ABC123\"", "INVALID_PAYLOAD" },
        { """{"roomCode":"ZZZ999","role":"judge"}""", "INVALID_PAYLOAD" },
        { """{"roomCode":"ZZZ999","role":"host","hostKey":"wrong"}""", "ROOM_NOT_FOUND" },
        { """{"roomCode":"ABC123","role":"player","password":"wrong","clientId":"6f1c2a4e-1b2c-4d3e-8f90-123456789abc"}""", "INVALID_PASSWORD" },
    };

    [Theory]
    [MemberData(nameof(HandshakeErrors))]
    public async Task FailedHandshakeAnswersWithItsCodeThenClosesTheConnection(string handshake, string code)
    {
        await _f.CreateRoomAsync(password: "pw");
        var (c, r) = await _f.HandshakeAsync(handshake);
        JsonAssert.IsError(r, code);
        var evt = c.Single("handshake_response");
        Assert.Equal(r.GetRawText(), evt.Arg.GetRawText());
        Assert.True(c.IsDisconnected);
        Assert.DoesNotContain("pw", evt.Raw, StringComparison.Ordinal);
        Assert.DoesNotContain("host-key-1", evt.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetaOverFourKibIsPayloadTooLarge()
    {
        await _f.CreateRoomAsync();
        var big = new string('x', 4100);
        var (c, r) = await _f.HandshakeAsync($$$"""{"roomCode":"ABC123","role":"audience","meta":{"n":"{{{big}}}"}}""");
        JsonAssert.IsError(r, "PAYLOAD_TOO_LARGE");
        Assert.True(c.IsDisconnected);
    }

    [Fact]
    public async Task HandshakeWithoutArgumentIsInvalidPayload()
    {
        var c = await _f.ConnectAsync();
        var r = await _f.EmitAsync(c, "handshake", null);
        JsonAssert.IsError(r, "INVALID_PAYLOAD");
    }

    [Fact]
    public async Task PlayersBeyondMaxPlayersGetRoomFullAndAudienceBeyondMaxAudienceToo()
    {
        await _f.CreateRoomAsync(maxPlayers: 1, maxAudience: 1);
        await _f.PlayerAsync();
        var (_, r) = await _f.HandshakeAsync("""{"roomCode":"ABC123","role":"player"}""");
        JsonAssert.IsError(r, "ROOM_FULL");
        await _f.AudienceAsync();
        var (_, r2) = await _f.HandshakeAsync("""{"roomCode":"ABC123","role":"audience"}""");
        JsonAssert.IsError(r2, "ROOM_FULL");
    }

    [Fact]
    public async Task ReclaimOfAHeldSeatWorksEvenWhenTheRoomIsFull()
    {
        await _f.CreateRoomAsync(maxPlayers: 1);
        var (p, id, token) = await _f.PlayerAsync();
        p.Drop();
        var (_, r) = await _f.HandshakeAsync($$"""{"roomCode":"ABC123","role":"player","clientId":"{{id}}","seatToken":"{{token}}"}""");
        Assert.Equal("success", r.GetProperty("status").GetString());
    }

    [Fact]
    public async Task SecondHandshakeIsAlreadyJoinedAndKeepsConnectionAndSeat()
    {
        await _f.CreateRoomAsync();
        var host = await _f.HostAsync();
        var (p, id, _) = await _f.PlayerAsync();
        var r = await _f.EmitAsync(p, "handshake", """{"roomCode":"ABC123","role":"player"}""");
        JsonAssert.IsError(r, "ALREADY_JOINED");
        Assert.False(p.IsDisconnected);
        await _f.EmitAsync(host, "set_game_state", """{"state":{"a":1}}""");
        Assert.Single(p.EventsNamed("game_state"));
        var info = await _f.Store.GetRoomInfoAsync(RelayFixture.Code("ABC123"));
        Assert.Equal(1, info!.PlayerCount);
        Assert.NotNull(id);
    }

    [Fact]
    public async Task ReclaimNeedsTheSeatTokenAndReturnsTheSameToken()
    {
        await _f.CreateRoomAsync();
        var host = await _f.HostAsync();
        var (p, id, token) = await _f.PlayerAsync(meta: """{"playerName":"Alice"}""");
        var joinedAt = host.Single("client_joined").Arg.GetProperty("joinedAt").GetInt64();
        p.Drop();
        Assert.Equal(id, host.Single("client_disconnected").Arg.GetProperty("clientId").GetString());
        _f.Time.Advance(TimeSpan.FromSeconds(5));

        var (_, wrong) = await _f.HandshakeAsync($$"""{"roomCode":"ABC123","role":"player","clientId":"{{id}}","seatToken":"nope"}""");
        JsonAssert.IsError(wrong, "INVALID_SEAT_TOKEN");
        var (_, missing) = await _f.HandshakeAsync($$"""{"roomCode":"ABC123","role":"player","clientId":"{{id}}"}""");
        JsonAssert.IsError(missing, "INVALID_SEAT_TOKEN");

        host.ClearEvents();
        var (_, ok) = await _f.HandshakeAsync($$"""{"roomCode":"ABC123","role":"player","clientId":"{{id.ToUpperInvariant()}}","seatToken":"{{token}}"}""");
        Assert.Equal("success", ok.GetProperty("status").GetString());
        Assert.True(ok.GetProperty("reconnected").GetBoolean());
        Assert.Equal(id, ok.GetProperty("clientId").GetString());
        Assert.Equal(token, ok.GetProperty("seatToken").GetString());
        var rejoined = host.Single("client_joined").Arg;
        Assert.True(rejoined.GetProperty("reconnected").GetBoolean());
        Assert.Equal(joinedAt, rejoined.GetProperty("joinedAt").GetInt64());
        Assert.Equal("""{"playerName":"Alice"}""", rejoined.GetProperty("meta").GetRawText());
    }

    [Fact]
    public async Task ReclaimWithNewMetaReplacesIt()
    {
        await _f.CreateRoomAsync();
        var host = await _f.HostAsync();
        var (p, id, token) = await _f.PlayerAsync();
        p.Drop();
        host.ClearEvents();
        await _f.HandshakeAsync($$$"""{"roomCode":"ABC123","role":"player","clientId":"{{{id}}}","seatToken":"{{{token}}}","meta":{"playerName":"Alicia"}}""");
        Assert.Equal("""{"playerName":"Alicia"}""", host.Single("client_joined").Arg.GetProperty("meta").GetRawText());
    }

    [Fact]
    public async Task NewerConnectionTakesTheSeatAndTheOlderIsKickedWithSeatTakenOver()
    {
        await _f.CreateRoomAsync();
        var host = await _f.HostAsync();
        var (old, id, token) = await _f.PlayerAsync();
        host.ClearEvents();
        var (fresh, r) = await _f.HandshakeAsync($$"""{"roomCode":"ABC123","role":"player","clientId":"{{id}}","seatToken":"{{token}}"}""");
        Assert.Equal("success", r.GetProperty("status").GetString());
        var err = old.Single("relay_error").Arg;
        Assert.Equal("SEAT_TAKEN_OVER", err.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, err.GetProperty("command").ValueKind);
        Assert.True(old.IsDisconnected);
        Assert.False(fresh.IsDisconnected);
        Assert.Empty(host.EventsNamed("client_disconnected"));
        Assert.Single(host.EventsNamed("client_joined"));

        await _f.EmitAsync(host, "set_player_state", $$$"""{"clientId":"{{{id}}}","state":{"hand":[1]}}""");
        Assert.Single(fresh.EventsNamed("player_state"));
        var info = await _f.Store.GetRoomInfoAsync(RelayFixture.Code("ABC123"));
        Assert.Equal(1, info!.PlayerCount);
    }

    [Fact]
    public async Task SecondHostReplacesTheFirstAndPlayersSeeOnlyHostConnected()
    {
        await _f.CreateRoomAsync();
        var first = await _f.HostAsync();
        var (p, _, _) = await _f.PlayerAsync();
        var a = await _f.AudienceAsync();
        p.ClearEvents();
        a.ClearEvents();
        var second = await _f.HostAsync();
        Assert.Equal("HOST_REPLACED", first.Single("relay_error").Arg.GetProperty("code").GetString());
        Assert.True(first.IsDisconnected);
        Assert.False(second.IsDisconnected);
        Assert.Equal(["host_connected"], p.Events.Select(e => e.Name));
        Assert.Equal(["host_connected"], a.Events.Select(e => e.Name));
        var info = await _f.Store.GetRoomInfoAsync(RelayFixture.Code("ABC123"));
        Assert.True(info!.HostConnected);

        await _f.EmitAsync(p, "message_to_host", """{"message":"hi"}""");
        Assert.Single(second.EventsNamed("client_message"));
    }

    [Fact]
    public async Task PlayersAndAudienceSeeHostConnectAndDisconnect()
    {
        await _f.CreateRoomAsync();
        var (p, _, _) = await _f.PlayerAsync();
        var r = p.Events[0].Arg;
        Assert.False(r.GetProperty("hostConnected").GetBoolean());
        var host = await _f.HostAsync();
        Assert.Single(p.EventsNamed("host_connected"));
        host.Drop();
        Assert.Single(p.EventsNamed("host_disconnected"));
        var info = await _f.Store.GetRoomInfoAsync(RelayFixture.Code("ABC123"));
        Assert.False(info!.HostConnected);
    }

    [Fact]
    public async Task ConnectionWithoutHandshakeIsClosedAfterTheTimeoutBySweep()
    {
        await _f.CreateRoomAsync();
        var idle = await _f.ConnectAsync();
        var joined = await _f.ConnectAsync();
        await _f.EmitAsync(joined, "handshake", """{"roomCode":"ABC123","role":"audience"}""");
        _f.Time.Advance(TimeSpan.FromSeconds(9));
        _f.Handler.SweepHandshakeTimeouts();
        Assert.False(idle.IsDisconnected);
        _f.Time.Advance(TimeSpan.FromSeconds(1.5));
        _f.Handler.SweepHandshakeTimeouts();
        Assert.True(idle.IsDisconnected);
        Assert.False(joined.IsDisconnected);
        Assert.Equal(0, _f.Handler.PendingHandshakeCount);
    }

    [Fact]
    public async Task HandshakeTimeoutIsConfigurable()
    {
        using var f = new RelayFixture(o => o.HandshakeTimeout = TimeSpan.FromSeconds(2));
        var idle = await f.ConnectAsync();
        f.Time.Advance(TimeSpan.FromSeconds(2));
        f.Handler.SweepHandshakeTimeouts();
        Assert.True(idle.IsDisconnected);
    }

    [Fact]
    public async Task RoomCodeLengthIsConfigurable()
    {
        using var f = new RelayFixture(o => o.RoomCodeLength = 4);
        await f.CreateRoomAsync(code: "AB12");
        var (_, r) = await f.HandshakeAsync("""{"roomCode":"ab12","role":"audience"}""");
        Assert.Equal("AB12", r.GetProperty("roomCode").GetString());
        var (_, bad) = await f.HandshakeAsync("""{"roomCode":"ABC123","role":"audience"}""");
        JsonAssert.IsError(bad, "INVALID_PAYLOAD");
    }

    [Fact]
    public async Task SeatTokenIsStoredOnlyAsItsHash()
    {
        await _f.CreateRoomAsync();
        var (_, id, token) = await _f.PlayerAsync();
        var r = await _f.Store.ReclaimSeatAsync(RelayFixture.Code("ABC123"),
            new SeatReclaim(id, Encoding.UTF8.GetBytes(token), "x", "n", default, 0));
        Assert.Equal(JoinOutcome.InvalidSeatToken, r.Outcome);
    }
}
