using System.Text;
using Cndr.Transport.EngineIO;
using Cndr.Transport.SocketIO;

namespace Cndr.Transport.Tests;

public class SocketIOPacketParserTests
{
    private static SocketIOPacket Parse(string s, bool ok = true)
    {
        var r = SocketIOPacketParser.TryParse(Encoding.UTF8.GetBytes(s), 10, out var p);
        Assert.True(ok == r, s);
        return p;
    }

    private static string Slice(string s, int start, int length) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s).AsSpan(start, length));

    [Fact]
    public void ParsesEventWithNamespaceAckAndArgs()
    {
        const string s = "2/custom,12[\"message\",1,\"2\",{\"3\":[true]}]";
        var p = Parse(s);
        Assert.Equal(SocketIOPacketType.Event, p.Type);
        Assert.Equal("/custom", Slice(s, p.NamespaceStart, p.NamespaceLength));
        Assert.Equal(12, p.AckId);
        Assert.Equal("message", Slice(s, p.NameStart, p.NameLength));
        Assert.Equal("1,\"2\",{\"3\":[true]}", Slice(s, p.ArgsStart, p.ArgsLength));
    }

    [Theory]
    [InlineData("2[\"a\"]", "")]
    [InlineData("2[ \"a\" , 1 ]", "1")]
    [InlineData("2[\"a\",[1,2],{\"b\":[]}]", "[1,2],{\"b\":[]}")]
    public void ArgsAreTheRawBytesAfterTheName(string s, string args)
    {
        var p = Parse(s);
        Assert.Equal(args, Slice(s, p.ArgsStart, p.ArgsLength));
        Assert.Equal(-1, p.AckId);
    }

    [Fact]
    public void EscapedEventNameIsFlagged()
    {
        Assert.True(Parse("2[\"a\\u0062\"]").NameEscaped);
        Assert.False(Parse("2[\"ab\"]").NameEscaped);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0/custom,")]
    [InlineData("0/custom")]
    [InlineData("0{\"token\":\"123\"}")]
    [InlineData("0/custom,{\"token\":\"abc\"}")]
    [InlineData("1")]
    [InlineData("1/custom,")]
    [InlineData("3456[1,\"2\"]")]
    [InlineData("52-[\"m\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]")]
    [InlineData("62-789[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]")]
    public void AcceptsValidPackets(string s) => Parse(s);

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("7[]")]
    [InlineData("4{\"message\":\"x\"}")]
    [InlineData("2{}")]
    [InlineData("2[]")]
    [InlineData("2[true]")]
    [InlineData("2[\"a\"")]
    [InlineData("2[\"a\"]x")]
    [InlineData("2[\"a\"][]")]
    [InlineData("2abc[\"message-with-ack\",1]")]
    [InlineData("299999999999999999999[\"a\"]")]
    [InlineData("29007199254740992[\"a\"]")]
    [InlineData("0[1]")]
    [InlineData("0\"x\"")]
    [InlineData("1{}")]
    [InlineData("3[1]")]
    [InlineData("3{}")]
    [InlineData("5-[\"a\"]")]
    [InlineData("50-[\"a\"]")]
    [InlineData("511-[\"a\"]")]
    [InlineData("599999999999999999-[\"a\"]")]
    [InlineData("52[\"a\"]")]
    [InlineData("2[\"\\uZZZZ\"]")]
    public void RefusesMalformedPackets(string s) => Parse(s, ok: false);

    [Fact]
    public void RefusesInvalidUtf8InJson()
        => Assert.False(SocketIOPacketParser.TryParse([(byte)'2', (byte)'[', (byte)'"', 0xFF, (byte)'"', (byte)']'], 10, out _));

    [Fact]
    public void RefusesDeeplyNestedPayloads()
        => Parse("2[\"a\"," + new string('[', 100) + new string(']', 100) + "]", ok: false);

    [Theory]
    [InlineData("-C1yd0x_ndXtv_4i", true)]
    [InlineData("-C1yd0x_ndXtv_4", false)]
    [InlineData("-C1yd0x_ndXtv_4i0", false)]
    [InlineData("-C1yd0x_ndXtv_4!", false)]
    [InlineData("", false)]
    public void SessionIdsParseOnlyInTheirOwnFormat(string sid, bool ok)
        => Assert.Equal(ok, EngineIOServer.TryParseSid(Encoding.ASCII.GetBytes(sid), out _));
}
