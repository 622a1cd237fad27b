using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;

namespace Cndr.Transport.EngineIO;

/// <summary>
/// One Engine.IO packet as read by <see cref="EngineIOPayloadReader"/>: its type and the bytes after the type
/// character, as a view of the input. A binary packet (<c>b</c> + base64 over polling) has type
/// <see cref="EngineIOPacketType.Message"/>, <see cref="IsBase64Binary"/> set and the still-encoded base64 text
/// as <see cref="Data"/> (already checked to be valid); decode it with <see cref="TryDecodeBinary"/>.
/// </summary>
public readonly struct EngineIOPacket(EngineIOPacketType type, ReadOnlySequence<byte> data, bool isBase64Binary)
{
    /// <summary>The packet type.</summary>
    public EngineIOPacketType Type { get; } = type;

    /// <summary>The bytes after the type character (base64 text for a binary packet).</summary>
    public ReadOnlySequence<byte> Data { get; } = data;

    /// <summary>True for a <c>b</c> record: <see cref="Data"/> is base64.</summary>
    public bool IsBase64Binary { get; } = isBase64Binary;

    /// <summary>Maps the type character of a text packet (<c>'0'</c>..<c>'6'</c>).</summary>
    public static bool TryGetType(byte typeChar, out EngineIOPacketType type)
    {
        var v = (uint)(typeChar - (byte)'0');
        type = (EngineIOPacketType)v;
        return v <= (uint)EngineIOPacketType.Noop;
    }

    /// <summary>
    /// Decodes a binary packet in place when <see cref="Data"/> is one writable segment (a POST body), returning
    /// the decoded bytes; otherwise into a new array. False when <see cref="IsBase64Binary"/> is false or the
    /// text is not base64.
    /// </summary>
    public bool TryDecodeBinary(out ReadOnlyMemory<byte> decoded)
    {
        decoded = default;
        if (!IsBase64Binary)
        {
            return false;
        }

        Memory<byte> buffer;
        if (Data.IsSingleSegment)
        {
            buffer = MemoryMarshal.AsMemory(Data.First);
        }
        else
        {
            buffer = Data.ToArray();
        }

        if (Base64.DecodeFromUtf8InPlace(buffer.Span, out var written) != OperationStatus.Done)
        {
            return false;
        }

        decoded = buffer[..written];
        return true;
    }
}
