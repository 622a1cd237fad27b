using System.Buffers;
using System.Buffers.Text;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// Parses RESP2 replies (<c>+simple</c>, <c>-error</c>, <c>:integer</c>, <c>$bulk</c>, <c>*array</c>, nested, with nulls) out
/// of a receive buffer. Resumable the simple way: <see cref="TryScan"/> walks one reply without allocating and answers
/// <see cref="OperationStatus.NeedMoreData"/> when the buffer ends inside it (nothing consumed: the caller reads more and
/// scans again from the same start); only a complete reply is materialised by <see cref="Parse"/>.
/// </summary>
internal static class RespReplyParser
{
    /// <summary>Deepest array nesting accepted (the store's scripts return at most two levels).</summary>
    public const int MaxDepth = 32;

    /// <summary>Largest bulk string accepted (Redis's own proto-max-bulk-len default).</summary>
    public const long MaxBulkLength = 512L * 1024 * 1024;

    /// <summary>
    /// Whether <paramref name="buffer"/> starts with one complete reply (<see cref="OperationStatus.Done"/>, its size in
    /// <paramref name="length"/>), ends inside one (<see cref="OperationStatus.NeedMoreData"/>), or is not RESP2
    /// (<see cref="OperationStatus.InvalidData"/>: the connection must be dropped).
    /// </summary>
    public static OperationStatus TryScan(ReadOnlySpan<byte> buffer, out int length)
    {
        length = 0;
        var position = 0;

        // Elements still to walk at each open array level; a flat counter per level keeps the scan allocation-free.
        Span<long> remaining = stackalloc long[MaxDepth + 1];
        var depth = 0;
        remaining[0] = 1;
        while (true)
        {
            if (position >= buffer.Length)
            {
                return OperationStatus.NeedMoreData;
            }

            var type = buffer[position];
            var line = buffer[(position + 1)..].IndexOf("\r\n"u8);
            if (line < 0)
            {
                return buffer.Length - position > 64 * 1024 ? OperationStatus.InvalidData : OperationStatus.NeedMoreData;
            }

            var header = buffer.Slice(position + 1, line);
            position += line + 3;
            switch (type)
            {
                case (byte)'+' or (byte)'-':
                    break;
                case (byte)':':
                    if (!Utf8Parser.TryParse(header, out long _, out var used) || used != header.Length)
                    {
                        return OperationStatus.InvalidData;
                    }

                    break;
                case (byte)'$':
                    if (!TryLength(header, out var bulk) || bulk > MaxBulkLength)
                    {
                        return OperationStatus.InvalidData;
                    }

                    if (bulk >= 0)
                    {
                        if (buffer.Length - position < bulk + 2)
                        {
                            return OperationStatus.NeedMoreData;
                        }

                        position += (int)bulk;
                        if (buffer[position] != '\r' || buffer[position + 1] != '\n')
                        {
                            return OperationStatus.InvalidData;
                        }

                        position += 2;
                    }

                    break;
                case (byte)'*':
                    if (!TryLength(header, out var count))
                    {
                        return OperationStatus.InvalidData;
                    }

                    if (count > 0)
                    {
                        if (depth == MaxDepth)
                        {
                            return OperationStatus.InvalidData;
                        }

                        remaining[depth]--;
                        remaining[++depth] = count + 1; // +1: the decrement below counts this array's own slot
                    }

                    break;
                default:
                    return OperationStatus.InvalidData;
            }

            // One element done: close every array whose last element this was.
            remaining[depth]--;
            while (remaining[depth] == 0)
            {
                if (depth == 0)
                {
                    length = position;
                    return OperationStatus.Done;
                }

                depth--;
            }
        }
    }

    /// <summary>
    /// The reply at the start of <paramref name="buffer"/>, which <see cref="TryScan"/> found complete. Bulk strings become
    /// fresh arrays the caller owns; an error (also nested) has <see cref="ResultType.Error"/> and its message as value.
    /// </summary>
    public static RedisResult Parse(ReadOnlySpan<byte> buffer)
    {
        var position = 0;
        return ParseAt(buffer, ref position);
    }

    private static RedisResult ParseAt(ReadOnlySpan<byte> buffer, ref int position)
    {
        var type = buffer[position];
        var line = buffer[(position + 1)..].IndexOf("\r\n"u8);
        var header = buffer.Slice(position + 1, line);
        position += line + 3;
        switch (type)
        {
            case (byte)'+':
                return RedisResult.Create(header.ToArray(), ResultType.SimpleString);
            case (byte)'-':
                return RedisResult.Create(header.ToArray(), ResultType.Error);
            case (byte)':':
                Utf8Parser.TryParse(header, out long integer, out _);
                return RedisResult.Create(integer, ResultType.Integer);
            case (byte)'$':
                TryLength(header, out var bulk);
                if (bulk < 0)
                {
                    return RedisResult.Create(RedisValue.Null, ResultType.BulkString);
                }

                var bytes = buffer.Slice(position, (int)bulk).ToArray();
                position += (int)bulk + 2;
                return RedisResult.Create(bytes, ResultType.BulkString);
            default:
                TryLength(header, out var count);
                if (count < 0)
                {
                    return RedisResult.Create((RedisResult[])null!, ResultType.Array);
                }

                if (count == 0)
                {
                    return RedisResult.Create(Array.Empty<RedisResult>(), ResultType.Array);
                }

                var items = new RedisResult[count];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = ParseAt(buffer, ref position);
                }

                return RedisResult.Create(items, ResultType.Array);
        }
    }

    /// <summary>
    /// The elements of a flat array reply that <see cref="TryScan"/> found complete, without copying: each bulk string's
    /// bytes, or a simple string's or integer's text, as a range of <paramref name="reply"/> (pub/sub pushes such as
    /// <c>message channel payload</c>). False when the reply is not an array of at most <paramref name="items"/>.Length such
    /// elements (a nested array, a null, an error).
    /// </summary>
    public static bool TryReadFlatArray(ReadOnlySpan<byte> reply, Span<Range> items, out int count)
    {
        count = 0;
        var line = reply.IndexOf("\r\n"u8);
        if (reply.IsEmpty || reply[0] != '*' || line < 0 || !TryLength(reply[1..line], out var n) || n < 0 || n > items.Length)
        {
            return false;
        }

        var position = line + 2;
        for (var i = 0; i < n; i++)
        {
            var type = reply[position];
            line = reply[(position + 1)..].IndexOf("\r\n"u8);
            var header = reply.Slice(position + 1, line);
            position += line + 3;
            if (type == '$')
            {
                if (!TryLength(header, out var bulk) || bulk < 0)
                {
                    return false;
                }

                items[i] = new Range(position, position + (int)bulk);
                position += (int)bulk + 2;
            }
            else if (type is (byte)':' or (byte)'+')
            {
                items[i] = new Range(position - line - 2, position - 2);
            }
            else
            {
                return false;
            }
        }

        count = (int)n;
        return true;
    }

    // A length header: -1 (null) or 0..int.MaxValue.
    private static bool TryLength(ReadOnlySpan<byte> header, out long value) =>
        Utf8Parser.TryParse(header, out value, out var used) && used == header.Length && value is >= -1 and <= int.MaxValue;
}
