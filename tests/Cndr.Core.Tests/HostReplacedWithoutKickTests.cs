using Cndr.Core.Store;
using Cndr.Core.Tests.Infrastructure;

namespace Cndr.Core.Tests;

/// <summary>
/// A host replaced on another node whose kick never arrived (the two nodes share the store but not a bus, so the
/// kick is lost): every host command it sends is refused by the store with <c>HOST_REPLACED</c>, it is disconnected,
/// and nothing it sent is written. Runs against both stores.
/// </summary>
public abstract class HostReplacedWithoutKickTests
{
    protected abstract IRelayStore NewStore();

    protected virtual string RoomCodeText => "ABC123";

    [Theory]
    [InlineData("set_game_state", """{"state":{"stale":true}}""")]
    [InlineData("set_player_state", null)]
    [InlineData("poll_start", """{"pollId":"stale","type":"free_text","question":"Q"}""")]
    [InlineData("poll_end", """{"pollId":"p1"}""")]
    [InlineData("close_room", "{}")]
    public async Task AReplacedHostWhoseKickWasLostCannotWrite(string command, string? argJson)
    {
        var store = NewStore();
        var code = RoomCodeText;
        using var a = new RelayFixture(o => o.NodeId = "node-a", store, new InProcessRoomBusHub().CreateNode("node-a"));
        using var b = new RelayFixture(o => o.NodeId = "node-b", store, new InProcessRoomBusHub().CreateNode("node-b"));
        await a.CreateRoomAsync(code);
        var stale = await a.HostAsync(code);
        var (player, clientId, _) = await a.PlayerAsync(code);
        JsonAssert.IsOk(await a.EmitAsync(stale, "poll_start", """{"pollId":"p1","type":"free_text","question":"Q"}"""));
        JsonAssert.IsOk(await a.EmitAsync(stale, "set_game_state", """{"state":{"v":1}}"""));

        var fresh = await b.HostAsync(code);
        Assert.False(stale.IsDisconnected); // the kick was lost: node a never heard of the new host

        var ack = await a.EmitAsync(stale, command, argJson ?? $$$"""{"clientId":"{{{clientId}}}","state":{"stale":true}}""");

        JsonAssert.IsError(ack, "HOST_REPLACED");
        Assert.True(stale.IsDisconnected);
        Assert.Equal("HOST_REPLACED", stale.Single("relay_error").Arg.GetProperty("code").GetString());
        var info = await store.GetRoomInfoAsync(RelayFixture.Code(code));
        Assert.NotNull(info); // not closed
        Assert.True(info.HostConnected);
        Assert.Equal(1, info.GameStateRev);
        Assert.Empty(player.EventsNamed("room_closed"));
        Assert.Empty(player.EventsNamed("player_state"));
        Assert.True((await store.GetPollAsync(RelayFixture.Code(code), "p1"))!.Active);
        Assert.Null(await store.GetPollAsync(RelayFixture.Code(code), "stale"));

        // The current host writes as usual.
        JsonAssert.IsOk(await b.EmitAsync(fresh, "set_game_state", """{"state":{"v":2}}"""));
        Assert.Equal(2, (await store.GetRoomInfoAsync(RelayFixture.Code(code)))!.GameStateRev);
    }
}

public sealed class EmbeddedHostReplacedWithoutKickTests : HostReplacedWithoutKickTests
{
    protected override IRelayStore NewStore() => new EmbeddedRelayStore();
}
