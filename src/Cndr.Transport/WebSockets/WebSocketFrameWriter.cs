using System.Buffers;
using System.Buffers.Binary;

namespace Cndr.Transport.WebSockets;

/// <summary>RFC 6455 opcodes and close codes used by the server.</summary>
internal static class WebSocketConstants
{
    public const byte OpContinuation = 0x0;
    public const byte OpText = 0x1;
    public const byte OpBinary = 0x2;
    public const byte OpClose = 0x8;
    public const byte OpPing = 0x9;
    public const byte OpPong = 0xA;

    public const ushort CloseNormal = 1000;
    public const ushort CloseGoingAway = 1001;
    public const ushort CloseProtocolError = 1002;
    public const ushort CloseUnsupportedData = 1003;
    public const ushort CloseNoStatus = 1005;
    public const ushort CloseAbnormal = 1006;
    public const ushort CloseInvalidPayload = 1007;
    public const ushort ClosePolicyViolation = 1008;
    public const ushort CloseMessageTooBig = 1009;
    public const ushort CloseInternalError = 1011;

    /// <summary>Close codes a peer may send (RFC 6455 §7.4.1, §7.4.2).</summary>
    public static bool IsValidReceivedCloseCode(int code) =>
        code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
}

/// <summary>Writes server (unmasked) frame headers.</summary>
internal static class WebSocketFrameWriter
{
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-------+-+-------------+-------------------------------+
    // |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
    // |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
    // |N|V|V|V|       |S|             |   (if payload len==126/127)   |
    // +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
    public const int MaxHeaderLength = 10;

    /// <summary>Writes a FIN frame header for <paramref name="length"/> payload bytes; returns the header length.</summary>
    public static int WriteHeader(Span<byte> destination, byte opcode, long length)
    {
        destination[0] = (byte)(0x80 | opcode);
        if (length < 126)
        {
            destination[1] = (byte)length;
            return 2;
        }

        if (length <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
            return 4;
        }

        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)length);
        return 10;
    }

    /// <summary>Writes a whole frame to <paramref name="writer"/>.</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, byte opcode, ReadOnlySpan<byte> payload)
    {
        var span = writer.GetSpan(MaxHeaderLength + payload.Length);
        var n = WriteHeader(span, opcode, payload.Length);
        payload.CopyTo(span[n..]);
        writer.Advance(n + payload.Length);
    }

    /// <summary>Builds a close frame carrying <paramref name="code"/> and no reason.</summary>
    public static byte[] CloseFrame(ushort code) => [0x88, 2, (byte)(code >> 8), (byte)code];
}
