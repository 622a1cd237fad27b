using System.Buffers;
using System.Buffers.Text;

namespace Cndr.Transport.EngineIO;

/// <summary>
/// Writes Engine.IO v4 long-polling payloads (the format <see cref="EngineIOPayloadReader"/> reads): records
/// separated by 0x1E, text packets as <c>type-char data</c>, binary ones as <c>b</c> + base64 (Engine.IO v4 §4).
/// </summary>
public static class EngineIOPayloadWriter
{
    /// <summary>Bytes of the record <see cref="WriteBinaryRecord"/> writes for <paramref name="dataLength"/> bytes (exact: base64 is padded).</summary>
    public static long BinaryRecordLength(int dataLength) => 1 + (long)Base64.GetMaxEncodedToUtf8Length(dataLength);

    /// <summary>Writes the 0x1E separator.</summary>
    public static void WriteSeparator(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.GetSpan(1)[0] = EngineIOPayloadReader.Separator;
        output.Advance(1);
    }

    /// <summary>Writes a text packet record: the type character, then <paramref name="data"/>.</summary>
    public static void WriteTextRecord(IBufferWriter<byte> output, EngineIOPacketType type, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(1 + data.Length);
        span[0] = (byte)('0' + (byte)type);
        data.CopyTo(span[1..]);
        output.Advance(1 + data.Length);
    }

    /// <summary>Writes a binary message record: <c>b</c> + base64 of <paramref name="data"/>.</summary>
    public static void WriteBinaryRecord(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(output);
        var length = (int)BinaryRecordLength(data.Length);
        var span = output.GetSpan(length);
        span[0] = (byte)'b';
        Base64.EncodeToUtf8(data, span[1..], out _, out var written);
        output.Advance(1 + written);
    }
}
