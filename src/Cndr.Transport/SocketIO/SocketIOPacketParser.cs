using System.Text.Json;

namespace Cndr.Transport.SocketIO;

/// <summary>Socket.IO v5 packet types.</summary>
internal enum SocketIOPacketType : byte
{
    Connect = 0,
    Disconnect = 1,
    Event = 2,
    Ack = 3,
    ConnectError = 4,
    BinaryEvent = 5,
    BinaryAck = 6,
}

/// <summary>The framing of one Socket.IO packet; the payload is left as a byte range.</summary>
internal struct SocketIOPacket
{
    public SocketIOPacketType Type;
    public int Attachments;

    /// <summary>Namespace bytes range (empty = <c>/</c>).</summary>
    public int NamespaceStart;
    public int NamespaceLength;

    /// <summary>-1 when absent.</summary>
    public long AckId;

    /// <summary>Start of the JSON payload (may equal the packet length: no payload).</summary>
    public int PayloadStart;

    // For EVENT / BINARY_EVENT: the event name token and the raw arguments (indices into the packet).
    public int NameStart;
    public int NameLength;
    public bool NameEscaped;
    public int ArgsStart;
    public int ArgsLength;
}

/// <summary>
/// Parses Socket.IO v5 packets (the text of an Engine.IO message):
/// <c>&lt;type&gt;[&lt;attachments&gt;-][&lt;/nsp&gt;,][&lt;ackId&gt;][&lt;JSON&gt;]</c>.
/// The JSON is validated without building anything: an array with a string (or number) first element for
/// EVENT, an array for ACK, an object or nothing for CONNECT.
/// </summary>
internal static class SocketIOPacketParser
{
    // Ack ids above 2^53 cannot be represented by a JavaScript client; refuse them as malformed.
    private const long MaxAckId = (1L << 53) - 1;

    public static bool TryParse(ReadOnlySpan<byte> text, int maxAttachments, out SocketIOPacket packet)
    {
        packet = default;
        packet.AckId = -1;
        if (text.IsEmpty)
        {
            return false;
        }

        var t = text[0] - (byte)'0';
        if (t is < 0 or > 6)
        {
            return false;
        }

        packet.Type = (SocketIOPacketType)t;
        var i = 1;
        if (packet.Type is SocketIOPacketType.BinaryEvent or SocketIOPacketType.BinaryAck)
        {
            var start = i;
            long n = 0;
            while (i < text.Length && IsDigit(text[i]))
            {
                n = (n * 10) + (text[i] - (byte)'0');
                if (n > maxAttachments)
                {
                    return false;
                }

                i++;
            }

            if (i == start || i >= text.Length || text[i] != (byte)'-' || n < 1)
            {
                return false;
            }

            packet.Attachments = (int)n;
            i++;
        }

        if (i < text.Length && text[i] == (byte)'/')
        {
            var start = i;
            while (i < text.Length && text[i] != (byte)',')
            {
                i++;
            }

            packet.NamespaceStart = start;
            packet.NamespaceLength = i - start;
            if (i < text.Length)
            {
                i++; // the comma
            }
        }

        if (i < text.Length && IsDigit(text[i]))
        {
            long id = 0;
            while (i < text.Length && IsDigit(text[i]))
            {
                id = (id * 10) + (text[i] - (byte)'0');
                if (id > MaxAckId)
                {
                    return false;
                }

                i++;
            }

            packet.AckId = id;
        }

        packet.PayloadStart = i;
        var payload = text[i..];

        // Utf8JsonReader does not check UTF-8 inside strings; polling bodies are not checked anywhere else.
        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            return false;
        }
        switch (packet.Type)
        {
            case SocketIOPacketType.Connect:
                return payload.IsEmpty || IsJsonObject(payload);
            case SocketIOPacketType.Disconnect:
                return payload.IsEmpty;
            case SocketIOPacketType.Event:
            case SocketIOPacketType.BinaryEvent:
                return TryParseEventArray(payload, i, ref packet);
            case SocketIOPacketType.Ack:
            case SocketIOPacketType.BinaryAck:
                return packet.AckId >= 0 && IsJsonArray(payload);
            default:
                // CONNECT_ERROR is server → client only.
                return false;
        }
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static bool IsJsonObject(ReadOnlySpan<byte> json) => IsValidJson(json, JsonTokenType.StartObject);

    private static bool IsJsonArray(ReadOnlySpan<byte> json) => IsValidJson(json, JsonTokenType.StartArray);

    private static bool IsValidJson(ReadOnlySpan<byte> json, JsonTokenType root)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != root)
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool TryParseEventArray(ReadOnlySpan<byte> json, int offset, ref SocketIOPacket packet)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray || !reader.Read())
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.String)
            {
                // ValueSpan excludes the quotes.
                packet.NameStart = offset + (int)reader.TokenStartIndex + 1;
                packet.NameLength = reader.ValueSpan.Length;
                packet.NameEscaped = reader.ValueIsEscaped;
            }
            else if (reader.TokenType == JsonTokenType.Number)
            {
                packet.NameStart = offset + (int)reader.TokenStartIndex;
                packet.NameLength = reader.ValueSpan.Length;
            }
            else
            {
                return false;
            }

            var afterName = (int)reader.BytesConsumed;
            int end;
            while (true)
            {
                if (!reader.Read())
                {
                    return false;
                }

                if (reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == 0)
                {
                    end = (int)reader.TokenStartIndex;
                    break;
                }

                reader.Skip();
            }

            if (reader.Read())
            {
                return false;
            }

            // Raw arguments: between the name and the closing bracket, without the separating comma and whitespace.
            var args = json[afterName..end];
            var s = 0;
            while (s < args.Length && (args[s] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                s++;
            }

            if (s < args.Length && args[s] == (byte)',')
            {
                s++;
            }

            var e = args.Length;
            while (e > s && (args[e - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                e--;
            }

            while (s < e && (args[s] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                s++;
            }

            packet.ArgsStart = offset + afterName + s;
            packet.ArgsLength = e - s;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
