using Cndr.Core.Store;
using Cndr.Core.Tests.Infrastructure;

namespace Cndr.Core.Tests;

/// <summary>Two relay nodes in one process sharing one store and an in-process bus: the multi-node design without Redis.</summary>
public sealed class MultiNodeTests : IDisposable
{
    private readonly RelayFixture _a;
    private readonly RelayFixture _b;
    private readonly InProcessRoomBusHub _hub;

    public MultiNodeTests()
    {
        var store = new EmbeddedRelayStore();
        var hub = _hub = new InProcessRoomBusHub();
        var time = new ManualTime();
        _a = new RelayFixture(o => o.NodeId = "node-a", store, hub.CreateNode("node-a"), time);
        _b = new RelayFixture(o => o.NodeId = "node-b", store, hub.CreateNode("node-b"), time);
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    [Fact]
    public async Task UpdatesFromAHostOnOneNodeReachClientsOnTheOther()
    {
        await _a.CreateRoomAsync();
        var host = await _a.HostAsync();
        var (p, id, _) = await _b.PlayerAsync();
        var audience = await _b.AudienceAsync();
        Assert.Equal(2, host.EventsNamed("client_joined").Count);

        await _a.EmitAsync(host, "set_game_state", """{"state":{"x":1}}""");
        Assert.Equal("""42["game_state",{"state":{"x":1},"rev":1}]""", p.Single("game_state").Raw);
        Assert.Single(audience.EventsNamed("game_state"));

        await _a.EmitAsync(host, "set_player_state", $$$"""{"clientId":"{{{id}}}","state":{"h":2}}""");
        Assert.Single(p.EventsNamed("player_state"));
        Assert.Empty(audience.EventsNamed("player_state"));

        await _a.EmitAsync(host, "poll_start", """{"pollId":"p","type":"free_text","question":"Q"}""");
        Assert.Single(audience.EventsNamed("poll_started"));
        JsonAssert.IsOk(await _b.EmitAsync(audience, "poll_response", """{"pollId":"p","response":"yes"}"""));
        var results = await _a.EmitAsync(host, "poll_results_request", """{"pollId":"p"}""");
        Assert.Equal(1, results.GetProperty("results").GetProperty("totalResponses").GetInt32());
    }

    [Fact]
    public async Task AJoinWhileNoHostIsThereTellsNoOtherNodeAndTheHostThatComesLaterListsTheMember()
    {
        await _a.CreateRoomAsync();
        await _b.AudienceAsync(); // node b holds the room too
        var before = _hub.PublishedCount;
        var (_, early, _) = await _a.PlayerAsync();
        Assert.Equal(before, _hub.PublishedCount); // no host anywhere: no client_joined for any node

        var (host, claim) = await _b.HandshakeAsync("""{"roomCode":"ABC123","role":"host","hostKey":"host-key-1"}""");
        Assert.Contains(claim.GetProperty("clients").EnumerateArray(), c => c.GetProperty("clientId").GetString() == early);

        // Once there is a host, a join on another node reaches it through the bus.
        var (_, late, _) = await _a.PlayerAsync();
        Assert.Equal(late, host.Single("client_joined").Arg.GetProperty("clientId").GetString());
    }

    [Fact]
    public async Task MessagesToAHostOnAnotherNodeGoThroughTheQueueInOrder()
    {
        await _a.CreateRoomAsync();
        var host = await _a.HostAsync();
        var (p, _, _) = await _b.PlayerAsync();
        for (var i = 0; i < 4; i++)
        {
            JsonAssert.IsOk(await _b.EmitAsync(p, "message_to_host", $$"""{"message":{{i}}}"""));
        }

        Assert.Equal([0, 1, 2, 3], host.EventsNamed("client_message").Select(e => e.Arg.GetProperty("message").GetInt32()));
        p.Drop();
        Assert.Single(host.EventsNamed("client_disconnected"));
    }

    [Fact]
    public async Task ReclaimOnAnotherNodeKicksTheStaleConnection()
    {
        await _a.CreateRoomAsync();
        var host = await _a.HostAsync();
        var (old, id, token) = await _a.PlayerAsync();
        var (fresh, r) = await _b.HandshakeAsync($$"""{"roomCode":"ABC123","role":"player","clientId":"{{id}}","seatToken":"{{token}}"}""");
        Assert.Equal("success", r.GetProperty("status").GetString());
        Assert.Equal("SEAT_TAKEN_OVER", old.Single("relay_error").Arg.GetProperty("code").GetString());
        Assert.True(old.IsDisconnected);
        Assert.Empty(host.EventsNamed("client_disconnected"));
        await _a.EmitAsync(host, "set_player_state", $$"""{"clientId":"{{id}}","state":1}""");
        Assert.Single(fresh.EventsNamed("player_state"));
        Assert.Empty(old.EventsNamed("player_state"));
    }

    [Fact]
    public async Task HostReplacedFromAnotherNodeIsKicked()
    {
        await _a.CreateRoomAsync();
        var first = await _a.HostAsync();
        var (p, _, _) = await _a.PlayerAsync();
        p.ClearEvents();
        var second = await _b.HostAsync();
        Assert.Equal("HOST_REPLACED", first.Single("relay_error").Arg.GetProperty("code").GetString());
        Assert.True(first.IsDisconnected);
        Assert.Equal(["host_connected"], p.Events.Select(e => e.Name));
        JsonAssert.IsOk(await _a.EmitAsync(p, "message_to_host", """{"message":"hi"}"""));
        Assert.Single(second.EventsNamed("client_message"));
    }

    [Fact]
    public async Task CloseRoomOnOneNodeClosesConnectionsOnTheOther()
    {
        await _a.CreateRoomAsync();
        var host = await _a.HostAsync();
        var (p, _, _) = await _b.PlayerAsync();
        var audience = await _b.AudienceAsync();
        JsonAssert.IsOk(await _a.EmitAsync(host, "close_room", "{}"));
        Assert.Single(p.EventsNamed("room_closed"));
        Assert.Single(audience.EventsNamed("room_closed"));
        Assert.True(p.IsDisconnected);
        Assert.True(audience.IsDisconnected);
        Assert.Equal(0, _b.Handler.LocalRoomCount);
        Assert.Equal(0, _a.Handler.LocalRoomCount);
    }
}
