using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Cndr.LoadTests.Client;

/// <summary>
/// Client-side RFC 6455 framing for the load generator: the HTTP upgrade, masked client frames, and a
/// parser for the (unmasked) server frames. Only what a Socket.IO client needs: text frames, ping/pong
/// and close; no extensions (no permessage-deflate is offered).
/// </summary>
internal static class LeanWebSocket
{
    public const byte OpContinuation = 0x0;
    public const byte OpText = 0x1;
    public const byte OpBinary = 0x2;
    public const byte OpClose = 0x8;
    public const byte OpPing = 0x9;
    public const byte OpPong = 0xA;

    /// <summary>Largest client frame header: 2 + 8 (length) + 4 (mask key).</summary>
    public const int MaxClientHeader = 14;

    private static readonly byte[] s_acceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.ToArray();

    /// <summary>
    /// Writes one masked FIN frame (RFC 6455 §5.2) into <paramref name="destination"/>, masking the payload
    /// while copying. Returns the number of bytes written (header + payload).
    /// <code>
    ///  0               1               2               3
    /// |F|RSV| opcode |M| len(7)       | ext len (16/64) ... | mask key (4) | payload ...
    /// </code>
    /// </summary>
    public static int WriteFrame(Span<byte> destination, byte opcode, ReadOnlySpan<byte> payload, uint maskKey)
    {
        var length = payload.Length;
        destination[0] = (byte)(0x80 | opcode);
        int headerLength;
        if (length < 126)
        {
            destination[1] = (byte)(0x80 | length);
            headerLength = 2;
        }
        else if (length <= ushort.MaxValue)
        {
            destination[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
            headerLength = 4;
        }
        else
        {
            destination[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)length);
            headerLength = 10;
        }

        MemoryMarshal.Write(destination[headerLength..], in maskKey);
        headerLength += 4;
        MaskCopy(payload, destination.Slice(headerLength, length), maskKey);
        return headerLength + length;
    }

    /// <summary>Frame size for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int FrameSize(int payloadLength) =>
        payloadLength + 4 + (payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10);

    /// <summary>XORs <paramref name="source"/> with the 4-byte key (in memory order) into <paramref name="destination"/>.</summary>
    public static void MaskCopy(ReadOnlySpan<byte> source, Span<byte> destination, uint maskKey)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<byte>.Count)
        {
            var keyVector = new Vector<uint>(maskKey).As<uint, byte>();
            var srcVectors = MemoryMarshal.Cast<byte, Vector<byte>>(source);
            var dstVectors = MemoryMarshal.Cast<byte, Vector<byte>>(destination);
            for (var v = 0; v < srcVectors.Length; v++)
            {
                dstVectors[v] = srcVectors[v] ^ keyVector;
            }

            i = srcVectors.Length * Vector<byte>.Count;
        }

        var srcWords = MemoryMarshal.Cast<byte, uint>(source[i..]);
        var dstWords = MemoryMarshal.Cast<byte, uint>(destination[i..]);
        for (var w = 0; w < srcWords.Length; w++)
        {
            dstWords[w] = srcWords[w] ^ maskKey;
        }

        i += srcWords.Length * 4;
        // i is a multiple of 4 here, so the key lines up with byte 0 again.
        for (var b = 0; i < source.Length; i++, b++)
        {
            destination[i] = (byte)(source[i] ^ (byte)(maskKey >> (8 * b)));
        }
    }

    /// <summary>
    /// Parses one server frame header at the start of <paramref name="buffer"/>. Returns false when more
    /// bytes are needed. Server frames must not be masked (RFC 6455 §5.1); a masked one is an error.
    /// </summary>
    public static bool TryParseFrame(ReadOnlySpan<byte> buffer, out bool fin, out byte opcode, out int headerLength, out long payloadLength, out string? error)
    {
        fin = false;
        opcode = 0;
        headerLength = 0;
        payloadLength = 0;
        error = null;
        if (buffer.Length < 2)
        {
            return false;
        }

        fin = (buffer[0] & 0x80) != 0;
        opcode = (byte)(buffer[0] & 0x0F);
        if ((buffer[0] & 0x70) != 0)
        {
            error = "reserved bits set";
            return true;
        }

        if ((buffer[1] & 0x80) != 0)
        {
            error = "masked server frame";
            return true;
        }

        var len7 = buffer[1] & 0x7F;
        if (len7 < 126)
        {
            headerLength = 2;
            payloadLength = len7;
        }
        else if (len7 == 126)
        {
            if (buffer.Length < 4)
            {
                return false;
            }

            headerLength = 4;
            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        }
        else
        {
            if (buffer.Length < 10)
            {
                return false;
            }

            headerLength = 10;
            payloadLength = (long)BinaryPrimitives.ReadUInt64BigEndian(buffer[2..]);
            if (payloadLength < 0)
            {
                error = "frame length out of range";
            }
        }

        return true;
    }

    /// <summary>The HTTP/1.1 upgrade request (RFC 6455 §4.1) with a fresh key, returned in <paramref name="key"/>.</summary>
    public static byte[] BuildUpgradeRequest(string host, string pathAndQuery, out string key)
    {
        Span<byte> keyBytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(keyBytes);
        key = Convert.ToBase64String(keyBytes);
        return Encoding.ASCII.GetBytes(
            $"GET {pathAndQuery} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n");
    }

    /// <summary>Checks a response head (without the final CRLFCRLF): null when it is a valid 101 for <paramref name="key"/>, else why not.</summary>
    public static string? CheckUpgradeResponse(ReadOnlySpan<byte> head, string key)
    {
        var text = Encoding.ASCII.GetString(head);
        if (!text.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            return $"WebSocket upgrade refused: {text.Split("\r\n")[0]}";
        }

        return text.Contains("sec-websocket-accept: " + ExpectedAccept(key), StringComparison.OrdinalIgnoreCase)
            ? null
            : "WebSocket upgrade: Sec-WebSocket-Accept does not match";
    }

    private static string ExpectedAccept(string key)
    {
        var bytes = new byte[key.Length + s_acceptGuid.Length];
        Encoding.ASCII.GetBytes(key, bytes);
        s_acceptGuid.CopyTo(bytes, key.Length);
        return Convert.ToBase64String(SHA1.HashData(bytes));
    }
}
