using System.Buffers;

namespace Cndr.Transport.Http;

/// <summary>
/// Content-Length body framing (RFC 9112 §6.2), resumable: each call copies what has arrived into the body
/// buffer and consumes it, so the receive pipe never has to hold the whole body (a body larger than the pipe's
/// pause threshold would otherwise stall: the socket stops reading while the server waits for the rest).
/// </summary>
internal static class HttpBodyReader
{
    /// <summary>
    /// Copies up to the rest of <paramref name="body"/> (from <paramref name="received"/>) out of
    /// <paramref name="buffer"/>. <paramref name="consumed"/> is the position after the copied bytes; bytes
    /// beyond the body (a pipelined next request) are left in place. True when the body is complete.
    /// </summary>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, Span<byte> body, ref int received, out SequencePosition consumed)
    {
        var n = (int)Math.Min(buffer.Length, body.Length - received);
        var slice = buffer.Slice(0, n);
        slice.CopyTo(body[received..]);
        received += n;
        consumed = slice.End;
        return received == body.Length;
    }

    /// <summary>
    /// Skips up to <paramref name="remaining"/> bytes of a body that is not kept (an unrouted request's).
    /// True when all of it has been skipped.
    /// </summary>
    public static bool TrySkip(in ReadOnlySequence<byte> buffer, ref long remaining, out SequencePosition consumed)
    {
        var n = Math.Min(buffer.Length, remaining);
        consumed = buffer.GetPosition(n);
        remaining -= n;
        return remaining == 0;
    }
}
