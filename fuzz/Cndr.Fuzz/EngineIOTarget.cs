using System.Buffers;
using Cndr.Transport.EngineIO;

namespace Cndr.Fuzz;

/// <summary>
/// Engine.IO v4 long-polling payloads (<see cref="EngineIOPayloadReader"/>): 0x1E-separated records, text and
/// <c>b</c>+base64 binary, arriving in chunks (the payload is final once every byte has arrived, as a POST body).
/// Checks: a packet always consumes bytes and holds no separator, "need more" only before the end, a text record
/// written back by <see cref="EngineIOPayloadWriter"/> is the record read, and a binary record decodes.
/// </summary>
internal sealed class EngineIOTarget : IFuzzTarget
{
    private readonly ArrayBufferWriter<byte> _written = new();

    public void Run(ReadOnlySpan<byte> input)
    {
        var stream = new ChunkedInput(input);
        var payload = new EngineIOPayloadReader();
        while (true)
        {
            var available = stream.Available;
            var final = stream.Ended;
            var status = payload.TryRead(available, final, out var packet, out var consumed);
            var before = stream.Consumed;
            stream.Consume(consumed);
            switch (status)
            {
                case EngineIOPayloadStatus.Packet:
                    FuzzAssertionException.Check(stream.Consumed > before, "a packet consumed nothing");
                    CheckPacket(packet);
                    break;
                case EngineIOPayloadStatus.NeedMore:
                    FuzzAssertionException.Check(!final && stream.Consumed == before, "need more on a final payload, or bytes consumed");
                    stream.Arrive();
                    break;
                case EngineIOPayloadStatus.End:
                    FuzzAssertionException.Check(final && stream.Available.IsEmpty, "end before the payload ended");
                    return;
                default:
                    FuzzAssertionException.Check(stream.Consumed == before, "a malformed record consumed bytes");
                    return;
            }
        }
    }

    private void CheckPacket(in EngineIOPacket packet)
    {
        var data = packet.Data;
        FuzzAssertionException.Check(data.PositionOf(EngineIOPayloadReader.Separator) is null, "a packet holds a separator");
        if (packet.IsBase64Binary)
        {
            FuzzAssertionException.Check(packet.TryDecodeBinary(out var decoded) && decoded.Length <= data.Length, "a binary record that passed the reader does not decode");
            return;
        }

        FuzzAssertionException.Check(packet.Type <= EngineIOPacketType.Noop, "packet type out of range");
        _written.ResetWrittenCount();
        var text = data.ToArray();
        EngineIOPayloadWriter.WriteTextRecord(_written, packet.Type, text);
        FuzzAssertionException.Check(_written.WrittenSpan[1..].SequenceEqual(text) && _written.WrittenSpan[0] == (byte)('0' + (byte)packet.Type), "a text record does not write back as read");
    }
}
