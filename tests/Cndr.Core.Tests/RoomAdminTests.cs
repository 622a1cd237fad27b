using Cndr.Core.Relay;
using Cndr.Core.Store;
using Cndr.Core.Tests.Infrastructure;

namespace Cndr.Core.Tests;

public sealed class RoomAdminTests
{
    [Fact]
    public async Task CreatedRoomAcceptsItsHostAndHidesSecretsFromInfo()
    {
        using var f = new RelayFixture();
        var room = await RoomAdmin.CreateRoomAsync(f.Store, f.Options, password: "pw", maxPlayers: 3);
        Assert.NotNull(room);
        Assert.Matches("^[A-Z0-9]{6}$", room.Code.ToString());
        Assert.True(room.HostKey.Length >= 22);
        Assert.DoesNotContain(room.HostKey, room.ToString(), StringComparison.Ordinal);
        var host = await f.HostAsync(room.Code.ToString(), room.HostKey);
        Assert.False(host.IsDisconnected);
        var info = await f.Store.GetRoomInfoAsync(room.Code);
        Assert.True(info!.HasPassword);
        Assert.Equal(3, info.MaxPlayers);
        Assert.True(info.HostConnected);
    }

    [Fact]
    public async Task CreatingAGivenCodeTwiceGivesNull()
    {
        var store = new EmbeddedRelayStore();
        RoomCode.TryParse("DEMO01", out var code);
        var options = new RelayOptions();
        Assert.NotNull(await RoomAdmin.CreateRoomAsync(store, options, code: code, hostKey: "demo"));
        Assert.Null(await RoomAdmin.CreateRoomAsync(store, options, code: code));
        Assert.Equal("demo", (await store.GetRoomConfigAsync(code))!.HostKey);
    }

    [Fact]
    public void RoomCodesParseCaseInsensitivelyAndRejectOtherCharacters()
    {
        Assert.True(RoomCode.TryParse("abC12z", out var c));
        Assert.Equal("ABC12Z", c.ToString());
        Assert.Equal(6, c.Length);
        Assert.False(RoomCode.TryParse("ABC 12", out _));
        Assert.False(RoomCode.TryParse("ÄBC123", out _));
        Assert.False(RoomCode.TryParse("ABCDEFGHI", out _));
        Assert.True(RoomCode.TryParse("ABCDEFGH", out var eight));
        Assert.Equal("ABCDEFGH", eight.ToString());
        Assert.NotEqual(c, eight);
    }
}
