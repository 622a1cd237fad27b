using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;

namespace Cndr.Transport.EngineIO;

/// <summary>
/// Resumable reader of an Engine.IO v4 long-polling payload (and of single WebSocket packets).
/// </summary>
/// <remarks>
/// <code>
/// payload = record *( %x1E record )          ; Engine.IO v4 §4 (payload encoding)
/// record  = type-char data                   ; type-char "0".."6"
///         / "b" base64                       ; a binary message
/// </code>
/// Every record is non-empty. A record ends at the next 0x1E, or at the end of the payload when
/// <c>isFinalBlock</c> is true (a POST body is read whole); until then an unterminated record is
/// "need more" and nothing is consumed. The separator in front of a record is consumed with that record,
/// so the reader remembers (in this struct) whether one must follow. No allocation: packets are views of the
/// input. Usage:
/// <code>
/// var reader = new SequenceReader&lt;byte&gt;(body);
/// var payload = new EngineIOPayloadReader();
/// while (payload.TryRead(ref reader, isFinalBlock: true, out var packet) == EngineIOPayloadStatus.Packet) { ... }
/// </code>
/// </remarks>
public struct EngineIOPayloadReader
{
    /// <summary>The record separator (ASCII RS).</summary>
    public const byte Separator = 0x1E;

    // A record has been read: the next one starts with a separator.
    private bool _started;

    /// <summary>Reads the next packet of the payload; on anything but <see cref="EngineIOPayloadStatus.Packet"/> the reader does not move.</summary>
    public EngineIOPayloadStatus TryRead(ref SequenceReader<byte> reader, bool isFinalBlock, out EngineIOPacket packet)
    {
        packet = default;
        if (reader.End)
        {
            return isFinalBlock ? EngineIOPayloadStatus.End : EngineIOPayloadStatus.NeedMore;
        }

        var start = reader.Consumed;
        if (_started)
        {
            // Records are only ever ended by a separator or by the end of a final payload.
            reader.TryRead(out var separator);
            if (separator != Separator)
            {
                reader.Rewind(1);
                return EngineIOPayloadStatus.Malformed;
            }

        }

        ReadOnlySequence<byte> record;
        if (reader.TryReadTo(out record, Separator, advancePastDelimiter: false))
        {
            // ends at a separator (left for the next record)
        }
        else if (isFinalBlock)
        {
            record = reader.UnreadSequence;
            reader.AdvanceToEnd();
        }
        else
        {
            reader.Rewind(reader.Consumed - start);
            return EngineIOPayloadStatus.NeedMore;
        }

        if (!TryParse(record, out packet))
        {
            reader.Rewind(reader.Consumed - start);
            return EngineIOPayloadStatus.Malformed;
        }

        _started = true;
        return EngineIOPayloadStatus.Packet;
    }

    /// <summary>
    /// <see cref="TryRead(ref SequenceReader{byte}, bool, out EngineIOPacket)"/> over <paramref name="payload"/>
    /// (for callers that cannot hold a <see cref="SequenceReader{T}"/>, e.g. across an await): <paramref name="consumed"/>
    /// is where the next call's payload starts.
    /// </summary>
    public EngineIOPayloadStatus TryRead(in ReadOnlySequence<byte> payload, bool isFinalBlock, out EngineIOPacket packet, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(payload);
        var status = TryRead(ref reader, isFinalBlock, out packet);
        consumed = reader.Position;
        return status;
    }

    /// <summary>Parses one whole record (a polling record or a WebSocket text message).</summary>
    public static bool TryParse(in ReadOnlySequence<byte> record, out EngineIOPacket packet)
    {
        packet = default;
        if (record.IsEmpty)
        {
            return false;
        }

        var first = record.FirstSpan[0];
        var data = record.Slice(1);
        if (first == (byte)'b')
        {
            if (!IsStrictBase64(data))
            {
                return false;
            }

            packet = new EngineIOPacket(EngineIOPacketType.Message, data, isBase64Binary: true);
            return true;
        }

        if (!EngineIOPacket.TryGetType(first, out var type))
        {
            return false;
        }

        packet = new EngineIOPacket(type, data, isBase64Binary: false);
        return true;
    }

    private static bool IsStrictBase64(in ReadOnlySequence<byte> data)
    {
        if (data.Length % 4 != 0)
        {
            return false;
        }

        return data.IsSingleSegment ? IsStrictBase64(data.FirstSpan) : IsStrictBase64MultiSegment(data);
    }

    // Base64.IsValid skips whitespace; the Engine.IO encoding never contains any.
    private static bool IsStrictBase64(ReadOnlySpan<byte> text)
        => text.IndexOfAny((byte)' ', (byte)'\t', (byte)'\r') < 0 && text.IndexOf((byte)'\n') < 0 && Base64.IsValid(text);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsStrictBase64MultiSegment(in ReadOnlySequence<byte> data)
    {
        var rented = ArrayPool<byte>.Shared.Rent((int)data.Length);
        try
        {
            var span = rented.AsSpan(0, (int)data.Length);
            data.CopyTo(span);
            return IsStrictBase64(span);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
