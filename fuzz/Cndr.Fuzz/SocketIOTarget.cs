using System.Text.Json;
using Cndr.Transport.SocketIO;

namespace Cndr.Fuzz;

/// <summary>
/// Socket.IO v5 packets (<see cref="SocketIOPacketParser"/>) with binary attachments. The input is the packet
/// text, then each attachment, separated by 0x1E. Checks: every range the parser returns lies inside the
/// packet, ack ids and attachment counts stay in range, an escaped event name decodes as the session decodes
/// it, and a BINARY_EVENT / BINARY_ACK is complete exactly when its announced attachments have arrived.
/// </summary>
internal sealed class SocketIOTarget : IFuzzTarget
{
    private const int MaxAttachments = 10;
    private const byte Separator = 0x1E;

    private readonly byte[] _name = new byte[64 * 1024];

    public void Run(ReadOnlySpan<byte> input)
    {
        var end = input.IndexOf(Separator);
        var text = end < 0 ? input : input[..end];
        if (!SocketIOPacketParser.TryParse(text, MaxAttachments, out var p))
        {
            return;
        }

        FuzzAssertionException.Check(p.Type is >= SocketIOPacketType.Connect and <= SocketIOPacketType.BinaryAck and not SocketIOPacketType.ConnectError, "packet type out of range");
        FuzzAssertionException.Check(InRange(p.NamespaceStart, p.NamespaceLength, text.Length) && p.PayloadStart <= text.Length, "namespace or payload outside the packet");
        FuzzAssertionException.Check(p.AckId is -1 or (>= 0 and < 1L << 53), "ack id out of range");
        FuzzAssertionException.Check(p.NamespaceLength == 0 || text[p.NamespaceStart] == (byte)'/', "namespace without its slash");
        var binary = p.Type is SocketIOPacketType.BinaryEvent or SocketIOPacketType.BinaryAck;
        FuzzAssertionException.Check(binary ? p.Attachments is >= 1 and <= MaxAttachments : p.Attachments == 0, "attachment count out of range");
        if (p.Type is SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent)
        {
            FuzzAssertionException.Check(InRange(p.NameStart, p.NameLength, text.Length) && p.NameStart >= p.PayloadStart, "event name outside the payload");
            FuzzAssertionException.Check(InRange(p.ArgsStart, p.ArgsLength, text.Length) && p.ArgsStart >= p.NameStart + p.NameLength, "arguments outside the payload");
            if (p.NameEscaped)
            {
                // As SocketIOClient does: the quoted token read back through Utf8JsonReader.
                FuzzAssertionException.Check(p.NameStart >= 1 && p.NameStart + p.NameLength < text.Length, "escaped name without its quotes");
                var reader = new Utf8JsonReader(text.Slice(p.NameStart - 1, p.NameLength + 2));
                FuzzAssertionException.Check(reader.Read() && reader.TokenType == JsonTokenType.String, "escaped name is not a JSON string");
                FuzzAssertionException.Check(reader.CopyString(_name) <= p.NameLength, "unescaped name longer than its escaped form");
            }
        }

        if (!binary)
        {
            return;
        }

        // Reassembly: attachments are counted in arrival order; the packet completes with the last announced one.
        var arrived = 0;
        var rest = end < 0 ? default : input[(end + 1)..];
        while (arrived < p.Attachments && (end >= 0))
        {
            arrived++;
            end = rest.IndexOf(Separator);
            rest = end < 0 ? default : rest[(end + 1)..];
        }

        FuzzAssertionException.Check(arrived <= p.Attachments, "more attachments taken than announced");
    }

    private static bool InRange(int start, int length, int total) => start >= 0 && length >= 0 && start + length <= total;
}
