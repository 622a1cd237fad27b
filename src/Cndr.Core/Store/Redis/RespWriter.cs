using System.Buffers.Text;
using System.Text;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// A growable buffer of RESP2 commands (arrays of bulk strings) for <see cref="RedisFastConnection"/>. Values are written by
/// their storage type: integers as digits, strings as UTF-8, bytes copied once (no intermediate array). Not thread-safe: the
/// connection writes under its lock and sends from one flusher at a time.
/// </summary>
internal sealed class RespWriter
{
    private static readonly byte[] s_evalSha = "EVALSHA"u8.ToArray();
    private static readonly byte[] s_eval = "EVAL"u8.ToArray();
    private static readonly byte[] s_publish = "PUBLISH"u8.ToArray();
    private static readonly byte[] s_sadd = "SADD"u8.ToArray();
    private static readonly byte[] s_clientReplySkip = "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n"u8.ToArray();
    private const int MaxLengthDigits = 20;

    private byte[] _buffer;
    private int _length;

    public RespWriter(int initialCapacity = 4096) => _buffer = new byte[initialCapacity];

    /// <summary>Bytes written and not yet taken.</summary>
    public int Length => _length;

    /// <summary>The written bytes (valid until the next write or <see cref="Reset"/>).</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    public void Reset() => _length = 0;

    /// <summary>
    /// <c>EVALSHA sha n keys... args...</c>, or with <paramref name="text"/> <c>EVAL text n keys... args...</c> (the NOSCRIPT fallback).
    /// </summary>
    public void WriteEval(RedisScript script, bool text, RedisKey[] keys, RedisValue[] args)
    {
        WriteArrayHeader(3 + keys.Length + args.Length);
        if (text)
        {
            WriteBulk(s_eval);
            WriteBulk(script.Text);
        }
        else
        {
            WriteBulk(s_evalSha);
            WriteBulkHex(script.Hash);
        }

        WriteBulk(keys.Length);
        foreach (var key in keys)
        {
            WriteBulk((string?)key ?? "");
        }

        foreach (var arg in args)
        {
            WriteBulk(arg);
        }
    }

    /// <summary><c>PUBLISH channel message</c>.</summary>
    /// <summary>CLIENT REPLY SKIP: the server sends no reply for it nor for the next command.</summary>
    public void WriteClientReplySkip() => WriteRaw(s_clientReplySkip);

    public void WriteSetAdd(RedisKey key, RedisValue member)
    {
        WriteArrayHeader(3);
        WriteBulk(s_sadd);
        WriteBulk((byte[])key!);
        WriteBulk(member);
    }

    public void WritePublish(ReadOnlySpan<byte> channel, RedisValue message)
    {
        WriteArrayHeader(3);
        WriteBulk(s_publish);
        WriteBulk(channel);
        WriteBulk(message);
    }

    /// <summary>A command of plain string arguments (the handshake: AUTH, CLIENT SETNAME).</summary>
    public void WriteCommand(params string[] parts)
    {
        WriteArrayHeader(parts.Length);
        foreach (var part in parts)
        {
            WriteBulk(part);
        }
    }

    public void WriteArrayHeader(int count) => WritePrefixed((byte)'*', count);

    public void WriteBulk(ReadOnlySpan<byte> value)
    {
        WritePrefixed((byte)'$', value.Length);
        var span = Reserve(value.Length + 2);
        value.CopyTo(span);
        span[value.Length] = (byte)'\r';
        span[value.Length + 1] = (byte)'\n';
        _length += value.Length + 2;
    }

    public void WriteBulk(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WritePrefixed((byte)'$', count);
        var span = Reserve(count + 2);
        Encoding.UTF8.GetBytes(value, span);
        span[count] = (byte)'\r';
        span[count + 1] = (byte)'\n';
        _length += count + 2;
    }

    public void WriteBulk(long value)
    {
        Span<byte> digits = stackalloc byte[MaxLengthDigits];
        Utf8Formatter.TryFormat(value, digits, out var written);
        WriteBulk(digits[..written]);
    }

    /// <summary>A <see cref="RedisValue"/> by its storage type (null as the empty string, as StackExchange.Redis sends it).</summary>
    public void WriteBulk(RedisValue value)
    {
        if (value.IsNull)
        {
            WriteBulk(ReadOnlySpan<byte>.Empty);
            return;
        }

        var count = value.GetByteCount();
        WritePrefixed((byte)'$', count);
        var span = Reserve(count + 2);
        value.CopyTo(span);
        span[count] = (byte)'\r';
        span[count + 1] = (byte)'\n';
        _length += count + 2;
    }

    private void WriteBulkHex(byte[] hash)
    {
        WritePrefixed((byte)'$', hash.Length * 2);
        var span = Reserve((hash.Length * 2) + 2);
        for (var i = 0; i < hash.Length; i++)
        {
            span[2 * i] = HexDigit(hash[i] >> 4);
            span[(2 * i) + 1] = HexDigit(hash[i] & 0xF);
        }

        span[hash.Length * 2] = (byte)'\r';
        span[(hash.Length * 2) + 1] = (byte)'\n';
        _length += (hash.Length * 2) + 2;
    }

    private static byte HexDigit(int v) => (byte)(v < 10 ? '0' + v : 'a' + v - 10);

    private void WritePrefixed(byte prefix, long value)
    {
        var span = Reserve(MaxLengthDigits + 3);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out var written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        _length += written + 3;
    }

    private void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _length += bytes.Length;
    }

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            var grown = new byte[Math.Max(_buffer.Length * 2, _length + count)];
            _buffer.AsSpan(0, _length).CopyTo(grown);
            _buffer = grown;
        }

        return _buffer.AsSpan(_length);
    }
}
