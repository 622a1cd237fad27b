using System.Text;
using Cndr.Core.Protocol;
using Cndr.Core.Store;
using Cndr.Core.Tests.Infrastructure;

namespace Cndr.Core.Tests;

/// <summary>
/// Resync instead of silence, on two nodes sharing one store over the in-process bus: a node whose bus lost messages
/// (reported, as by an overflowing queue, or silent and revealed by a gap in <c>rev</c>) re-reads the room and gives its
/// players and audience the newest <c>game_state</c> and each player its newest <c>player_state</c>; a stale state is never
/// delivered.
/// </summary>
public sealed class ResyncTests : IDisposable
{
    private readonly InProcessRoomBusHub _hub = new();
    private readonly RelayFixture _a;
    private readonly RelayFixture _b;

    public ResyncTests()
    {
        var store = new EmbeddedRelayStore();
        var time = new ManualTime();
        _a = new RelayFixture(o => o.NodeId = "node-a", store, _hub.CreateNode("node-a"), time);
        _b = new RelayFixture(o => o.NodeId = "node-b", store, _hub.CreateNode("node-b"), time);
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    [Fact]
    public async Task AReportedBusLossResyncsEveryClientOfTheNodeToTheLatestStates()
    {
        var (host, p, id, audience) = await RoomAsync();
        _b.Handler.Delivery.DiscardBusMessages = true;
        await _a.EmitAsync(host, "set_game_state", """{"state":{"v":2}}""");
        await _a.EmitAsync(host, "set_game_state", """{"state":{"v":3}}""");
        await _a.EmitAsync(host, "set_player_state", $$$"""{"clientId":"{{{id}}}","state":{"hand":1}}""");
        await _a.EmitAsync(host, "set_player_state", $$$"""{"clientId":"{{{id}}}","state":{"hand":2}}""");
        Assert.Equal([1], Revs(p, "game_state"));
        Assert.Empty(p.EventsNamed("player_state"));

        _b.Handler.Delivery.ResumeBus(reportGap: true);

        await UntilAsync(() => Revs(p, "game_state").LastOrDefault() == 3 && Revs(audience, "game_state").LastOrDefault() == 3 && Revs(p, "player_state").LastOrDefault() == 2);
        Assert.Equal("""{"hand":2}""", p.EventsNamed("player_state")[^1].Arg.GetProperty("state").GetRawText());
        Assert.Equal("""{"v":3}""", p.EventsNamed("game_state")[^1].Arg.GetProperty("state").GetRawText());
        Assert.Equal([1, 3], Revs(p, "game_state"));
        Assert.Equal([2], Revs(p, "player_state"));
    }

    [Fact]
    public async Task ASilentBusLossIsFoundByTheNextRevsGapAndResynced()
    {
        var (host, p, id, _) = await RoomAsync();
        _b.Handler.Delivery.DiscardBusMessages = true;
        await _a.EmitAsync(host, "set_game_state", """{"state":{"v":2}}""");
        await _a.EmitAsync(host, "set_player_state", $$$"""{"clientId":"{{{id}}}","state":{"hand":1}}""");
        _b.Handler.Delivery.ResumeBus(reportGap: false);
        Assert.Equal(0, _b.Handler.Delivery.Resyncs);

        await _a.EmitAsync(host, "set_game_state", """{"state":{"v":3}}""");

        // rev 3 after rev 1: node-b re-reads the room, and the player gets the private state it missed.
        await UntilAsync(() => Revs(p, "player_state").LastOrDefault() == 1);
        Assert.Equal(3, Revs(p, "game_state")[^1]);
        Assert.Equal(1, _b.Handler.Delivery.Resyncs);
    }

    [Fact]
    public async Task AStateThatIsNotNewerThanTheLastDeliveredIsDropped()
    {
        var (host, p, id, audience) = await RoomAsync();
        await _a.EmitAsync(host, "set_game_state", """{"state":{"v":2}}""");
        await _a.EmitAsync(host, "set_player_state", $$$"""{"clientId":"{{{id}}}","state":{"hand":1}}""");

        // A late copy of rev 2 and of player rev 1 (another publisher, or a repeat) reaches node-b.
        var other = _hub.CreateNode("node-x");
        other.Publish(RelayFixture.Code("ABC123"), new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Players | RoomRecipients.Audience, null, Packet("game_state", 2), 2));
        other.Publish(RelayFixture.Code("ABC123"), new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Player, id, Packet("player_state", 1), 1));
        other.Publish(RelayFixture.Code("ABC123"), new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Players | RoomRecipients.Audience, null, Packet("game_state", 1), 1));

        Assert.Equal([1, 2], Revs(p, "game_state"));
        Assert.Equal([1, 2], Revs(audience, "game_state"));
        Assert.Equal([1], Revs(p, "player_state"));
        Assert.Equal(0, _b.Handler.Delivery.Resyncs);
    }

    [Fact]
    public async Task APlayerWhoseStateWasSentWhileItJoinedIsResynced()
    {
        var store = new HookStore(new EmbeddedRelayStore());
        using var a = new RelayFixture(o => o.NodeId = "node-a", store, _hub.CreateNode("hook-a"));
        using var b = new RelayFixture(o => o.NodeId = "node-b", store, _hub.CreateNode("hook-b"));
        await a.CreateRoomAsync("HOOK12");
        var host = await a.HostAsync("HOOK12");
        var (first, id, token) = await a.PlayerAsync("HOOK12");
        await a.EmitAsync(host, "set_player_state", $$$"""{"clientId":"{{{id}}}","state":{"hand":1}}""");

        // The player reconnects to node-b; right after its reclaim read the seat, the host writes its state: node-a
        // still sends it to the old connection, node-b has no such player yet.
        store.After = name =>
        {
            if (name == "ReclaimSeat")
            {
                store.After = null;
                a.EmitAsync(host, "set_player_state", $$$"""{"clientId":"{{{id}}}","state":{"hand":2}}""").GetAwaiter().GetResult();
            }
        };
        var (fresh, r) = await b.HandshakeAsync($$"""{"roomCode":"HOOK12","role":"player","clientId":"{{id}}","seatToken":"{{token}}"}""");
        Assert.Equal(1, r.GetProperty("playerStateRev").GetInt64());

        await UntilAsync(() => Revs(fresh, "player_state").LastOrDefault() == 2);
        Assert.Equal("""{"hand":2}""", fresh.EventsNamed("player_state")[^1].Arg.GetProperty("state").GetRawText());
        Assert.True(first.IsDisconnected);
    }

    private async Task<(FakeConnection Host, FakeConnection Player, string Id, FakeConnection Audience)> RoomAsync()
    {
        await _a.CreateRoomAsync();
        var host = await _a.HostAsync();
        var (p, id, _) = await _b.PlayerAsync();
        var audience = await _b.AudienceAsync();
        await _a.EmitAsync(host, "set_game_state", """{"state":{"v":1}}""");
        Assert.Equal([1], Revs(p, "game_state"));
        return (host, p, id, audience);
    }

    private static byte[] Packet(string name, long rev)
    {
        var m = RelayEvents.State(Encoding.UTF8.GetBytes(name), """{"late":true}"""u8, rev);
        var bytes = m.Payload.ToArray();
        m.Release();
        return bytes;
    }

    private static long[] Revs(FakeConnection c, string name) => [.. c.EventsNamed(name).Select(e => e.Arg.GetProperty("rev").GetInt64())];

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(10);
        }
    }
}
