using System.Text;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;

namespace Cndr.Core.Tests.Redis;

public sealed class RoomBusCodecRedisTests
{
    [Theory]
    [InlineData(RoomBusKind.Deliver, RoomRecipients.Host | RoomRecipients.Players, null, "42[\"x\"]", 0L)]
    [InlineData(RoomBusKind.Deliver, RoomRecipients.Players | RoomRecipients.Audience, null, "42[\"game_state\",{\"state\":1,\"rev\":7}]", 7L)]
    [InlineData(RoomBusKind.Deliver, RoomRecipients.Player, "client-1", "42[\"player_state\",{}]", long.MaxValue)]
    [InlineData(RoomBusKind.Kick, RoomRecipients.None, "conn-1", "42[\"relay_error\",{}]", 0L)]
    [InlineData(RoomBusKind.ToHostQueued, RoomRecipients.None, null, "", 0L)]
    [InlineData(RoomBusKind.RoomClosed, RoomRecipients.None, "", "42[\"room_closed\"]", 0L)]
    public void An_encoded_message_decodes_to_the_same_message_and_source(RoomBusKind kind, RoomRecipients to, string? target, string packet, long rev)
    {
        var node = Encoding.UTF8.GetBytes("node-ä");
        var bytes = RoomBusCodec.Encode(node, new RoomBusMessage(kind, to, target, Encoding.UTF8.GetBytes(packet), rev));

        Assert.True(RoomBusCodec.TryDecode(bytes, out var source, out var m));
        Assert.Equal(node, source.ToArray());
        Assert.Equal((kind, to, target, packet, rev), (m.Kind, m.Recipients, m.Target, Encoding.UTF8.GetString(m.Packet.Span), m.Rev));
    }

    [Fact]
    public void Every_truncation_and_foreign_payload_is_rejected()
    {
        var bytes = RoomBusCodec.Encode("n1"u8, new RoomBusMessage(RoomBusKind.Kick, RoomRecipients.None, "target", default));
        for (var i = 0; i < bytes.Length; i++)
        {
            Assert.False(RoomBusCodec.TryDecode(bytes.AsMemory(0, i), out _, out _), $"prefix {i}");
        }

        Assert.False(RoomBusCodec.TryDecode("{\"type\":\"gamestate\",\"data\":1}"u8.ToArray(), out _, out _));
        byte[] badKind = [RoomBusCodec.Version, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF];
        Assert.False(RoomBusCodec.TryDecode(badKind, out _, out _));
        byte[] negativeRev = [RoomBusCodec.Version, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF];
        Assert.False(RoomBusCodec.TryDecode(negativeRev, out _, out _));
        byte[] version1 = [1, 1, 0, 0, 0xFF, 0xFF];
        Assert.False(RoomBusCodec.TryDecode(version1, out _, out _));
    }

    [Fact]
    public void IsFrom_recognises_only_the_publishing_node()
    {
        var bytes = RoomBusCodec.Encode("node-1"u8, new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Audience, null, "42[\"x\"]"u8.ToArray()));

        Assert.True(RoomBusCodec.IsFrom(bytes, "node-1"u8));
        Assert.False(RoomBusCodec.IsFrom(bytes, "node-2"u8));
        Assert.False(RoomBusCodec.IsFrom(bytes, "node-"u8));
        Assert.False(RoomBusCodec.IsFrom(bytes, "node-10"u8));
        for (var i = 0; i < 12 + 6 + 2; i++) // header (version, kind, recipients, rev, N), node id, target length
        {
            Assert.False(RoomBusCodec.IsFrom(bytes.AsSpan(0, i), "node-1"u8), $"prefix {i}");
        }

        Assert.False(RoomBusCodec.IsFrom("{\"type\":\"gamestate\"}"u8, "node-1"u8));
    }
}
