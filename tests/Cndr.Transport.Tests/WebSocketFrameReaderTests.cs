using System.Buffers;
using System.Text;
using Cndr.Transport.WebSockets;

namespace Cndr.Transport.Tests;

public class WebSocketFrameReaderTests
{
    private static readonly byte[] s_mask = [0x37, 0xfa, 0x21, 0x3d];

    internal static byte[] ClientFrame(byte opcode, ReadOnlySpan<byte> payload, bool fin = true, bool masked = true, byte rsv = 0)
    {
        var len = payload.Length;
        var header = new List<byte> { (byte)((fin ? 0x80 : 0) | rsv | opcode) };
        var m = masked ? 0x80 : 0;
        if (len < 126)
        {
            header.Add((byte)(m | len));
        }
        else if (len <= ushort.MaxValue)
        {
            header.Add((byte)(m | 126));
            header.Add((byte)(len >> 8));
            header.Add((byte)len);
        }
        else
        {
            header.Add((byte)(m | 127));
            for (var i = 7; i >= 0; i--)
            {
                header.Add((byte)((long)len >> (8 * i)));
            }
        }

        if (masked)
        {
            header.AddRange(s_mask);
        }

        var frame = new byte[header.Count + len];
        header.CopyTo(frame);
        for (var i = 0; i < len; i++)
        {
            frame[header.Count + i] = (byte)(payload[i] ^ (masked ? s_mask[i & 3] : 0));
        }

        return frame;
    }

    private sealed class Pings : IWebSocketPingSink
    {
        public List<byte[]> Received { get; } = [];

        public void OnPing(ReadOnlySpan<byte> payload) => Received.Add(payload.ToArray());
    }

    private static (WebSocketReadStatus Status, string Text, ushort Code, long Consumed) Run(byte[] data, long max = 1 << 20, Pings? pings = null)
    {
        var reader = new WebSocketFrameReader(max, pings);
        var seq = new ReadOnlySequence<byte>(data);
        var status = reader.Process(seq, out var consumed, out _);
        return (status, status == WebSocketReadStatus.Message ? Encoding.UTF8.GetString(reader.Message.Span) : "", reader.CloseStatus, seq.Slice(0, consumed).Length);
    }

    [Fact]
    public void ReadsAMaskedTextFrameAndUnmasksInPlace()
    {
        var r = Run(ClientFrame(1, "42[\"hello\",{\"a\":1}]"u8));
        Assert.Equal(WebSocketReadStatus.Message, r.Status);
        Assert.Equal("42[\"hello\",{\"a\":1}]", r.Text);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(70_000)]
    public void EveryPrefixOfAFrameIsIncompleteAndConsumesNothing(int size)
    {
        var payload = Encoding.ASCII.GetBytes(new string('x', size));
        var frame = ClientFrame(2, payload);
        var step = Math.Max(1, frame.Length / 300);
        for (var i = 0; i < frame.Length; i += step)
        {
            var reader = new WebSocketFrameReader(1 << 20, null);
            var seq = new ReadOnlySequence<byte>(frame.AsMemory(0, i));
            var status = reader.Process(seq, out var consumed, out _);
            Assert.Equal(WebSocketReadStatus.NeedMore, status);
            // The header is never consumed partially; payload bytes may be taken into the reassembly buffer.
            var c = seq.Slice(0, consumed).Length;
            Assert.True(c == 0 || c > 2, $"consumed {c} of prefix {i}");
        }
    }

    [Fact]
    public void ParsesTheSameFrameSplitAtEveryOffset()
    {
        var text = "42[\"set_game_state\",{\"é\":\"✓\"}]";
        for (var at = 1; at < ClientFrame(1, Encoding.UTF8.GetBytes(text)).Length; at++)
        {
            var frame = ClientFrame(1, Encoding.UTF8.GetBytes(text));
            var reader = new WebSocketFrameReader(1 << 20, null);
            var seq = Segments.Split(frame, at);
            var status = reader.Process(seq, out var consumed, out _);
            if (status == WebSocketReadStatus.NeedMore)
            {
                // resume with the rest
                var rest = seq.Slice(consumed);
                status = reader.Process(rest, out _, out _);
            }

            Assert.Equal(WebSocketReadStatus.Message, status);
            Assert.Equal(text, Encoding.UTF8.GetString(reader.Message.Span));
        }
    }

    [Fact]
    public void ReassemblesFragmentsWithAControlFrameInBetween()
    {
        var pings = new Pings();
        var data = ClientFrame(1, "42[\"a"u8, fin: false)
            .Concat(ClientFrame(9, "hi"u8))
            .Concat(ClientFrame(0, "b\",1"u8, fin: false))
            .Concat(ClientFrame(0, "]"u8)).ToArray();
        var r = Run(data, pings: pings);
        Assert.Equal(WebSocketReadStatus.Message, r.Status);
        Assert.Equal("42[\"ab\",1]", r.Text);
        Assert.Equal("hi"u8.ToArray(), Assert.Single(pings.Received));
    }

    [Fact]
    public void InvalidUtf8SplitAcrossFragmentsIsRefusedWith1007()
    {
        // "é" is C3 A9; the fragments carry C3 then 28 (invalid continuation).
        var data = ClientFrame(1, new byte[] { 0x34, 0xC3 }, fin: false).Concat(ClientFrame(0, new byte[] { 0x28 })).ToArray();
        var r = Run(data);
        Assert.Equal(WebSocketReadStatus.Error, r.Status);
        Assert.Equal(1007, r.Code);
    }

    [Fact]
    public void ValidUtf8SplitAcrossFragmentsIsAccepted()
    {
        var data = ClientFrame(1, new byte[] { 0x34, 0xC3 }, fin: false).Concat(ClientFrame(0, new byte[] { 0xA9 })).ToArray();
        var r = Run(data);
        Assert.Equal(WebSocketReadStatus.Message, r.Status);
        Assert.Equal("4é", r.Text);
    }

    public static TheoryData<byte[], ushort> ProtocolErrors => new()
    {
        { ClientFrame(1, "x"u8, masked: false), 1002 },
        { ClientFrame(1, "x"u8, rsv: 0x40), 1002 },
        { ClientFrame(1, "x"u8, rsv: 0x10), 1002 },
        { ClientFrame(3, "x"u8), 1002 },
        { ClientFrame(0xB, "x"u8), 1002 },
        { ClientFrame(0, "x"u8), 1002 },
        { ClientFrame(9, "x"u8, fin: false), 1002 },
        { ClientFrame(9, new byte[126]), 1002 },
        { ClientFrame(1, "a"u8, fin: false).Concat(ClientFrame(1, "b"u8)).ToArray(), 1002 },
        { ClientFrame(1, new byte[] { 0xFF }), 1007 },
        { ClientFrame(8, new byte[] { 0x03 }), 1002 },
        { ClientFrame(8, new byte[] { 0x03, 0xED }), 1002 },
        { ClientFrame(8, new byte[] { 0x03, 0xE8, 0xFF }), 1007 },
        { new byte[] { 0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4 }, 1002 },
    };

    [Theory]
    [MemberData(nameof(ProtocolErrors))]
    public void ProtocolViolationsGiveTheirCloseCode(byte[] data, ushort code)
    {
        var r = Run(data);
        Assert.Equal(WebSocketReadStatus.Error, r.Status);
        Assert.Equal(code, r.Code);
    }

    [Fact]
    public void OversizedMessageIsRefusedFromItsHeaderWith1009()
    {
        var frame = ClientFrame(1, new byte[2000]);
        var r = Run(frame[..8], max: 1000); // only the header has arrived
        Assert.Equal(WebSocketReadStatus.Error, r.Status);
        Assert.Equal(1009, r.Code);
    }

    [Fact]
    public void FragmentsAddingUpOverTheLimitAreRefusedWith1009()
    {
        var data = ClientFrame(1, new byte[600], fin: false).Concat(ClientFrame(0, new byte[600])).ToArray();
        var r = Run(data, max: 1000);
        Assert.Equal(WebSocketReadStatus.Error, r.Status);
        Assert.Equal(1009, r.Code);
    }

    [Fact]
    public void CloseFrameReportsItsCode()
    {
        var r = Run(ClientFrame(8, new byte[] { 0x03, 0xE9, (byte)'b', (byte)'y' }));
        Assert.Equal(WebSocketReadStatus.Closed, r.Status);
        Assert.Equal(1001, r.Code);
        Assert.Equal(1005, Run(ClientFrame(8, default)).Code);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void VectorisedMaskingMatchesScalarAtEveryPhase(int offset)
    {
        var data = Enumerable.Range(0, 301).Select(i => (byte)(i * 7)).ToArray();
        var expected = data.Select((b, i) => (byte)(b ^ s_mask[(offset + i) & 3])).ToArray();
        WebSocketMasking.Apply(data, WebSocketMasking.ReadKey(s_mask), offset);
        Assert.Equal(expected, data);
    }

    [Fact]
    public void HandshakeAcceptMatchesRfcExample()
        => Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketHandshake.ComputeAccept("dGhlIHNhbXBsZSBub25jZQ=="));
}
