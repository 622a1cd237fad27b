using System.Buffers;
using Cndr.Transport.SocketIO;
using Cndr.Transport.WebSockets;

namespace Cndr.Benchmarks.Scenarios;

/// <summary>
/// A masked client WebSocket frame carrying <c>42["name",{..}]</c>, parsed as the read loop does: frame header, unmask,
/// Engine.IO type, Socket.IO EVENT down to the event name and the raw argument bytes.
/// </summary>
internal sealed class InboundFrame
{
    private readonly byte[] _frame;
    private readonly int _payloadOffset;
    private readonly uint _mask;
    private readonly WebSocketFrameReader _reader = new(65536, null);

    public InboundFrame(string eventName, ReadOnlySpan<byte> argument)
    {
        byte[] packet = [.. "42[\""u8, .. WireSamples.Utf8(eventName), .. "\","u8, .. argument, .. "]"u8];
        _frame = WireSamples.MaskedTextFrame(packet, out _payloadOffset, out _mask);
    }

    /// <summary>Bytes of the frame on the wire.</summary>
    public int Length => _frame.Length;

    /// <summary>Parses the frame; returns the event name length plus the argument length (0 when it did not parse).</summary>
    public int Parse()
    {
        var status = _reader.Process(new ReadOnlySequence<byte>(_frame), out _, out _);
        var length = 0;
        if (status == WebSocketReadStatus.Message)
        {
            var message = _reader.Message.Span;
            if (message.Length > 1 && message[0] == (byte)'4' && SocketIOPacketParser.TryParse(message[1..], 10, out var packet)
                && packet.Type == SocketIOPacketType.Event)
            {
                length = packet.NameLength + packet.ArgsLength;
            }
        }

        _reader.ReleaseMessage();

        // The frame was unmasked in place: mask it again for the next call (one vectorised XOR pass).
        WebSocketMasking.Apply(_frame.AsSpan(_payloadOffset), _mask, 0);
        return length;
    }
}
