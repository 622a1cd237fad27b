using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cndr.Transport;

/// <summary>
/// One outbound Engine.IO packet (plus any Socket.IO binary attachments), encoded once and shared
/// by every recipient. The payload is written after a reserved gap so that the WebSocket frame header
/// can be placed directly in front of it: a WebSocket recipient writes <see cref="WebSocketFrame"/>,
/// a polling recipient writes <see cref="PollingRecord"/>; both are views of the same pooled bytes.
/// </summary>
/// <remarks>
/// Reference counted: the creator holds one reference; every queue that accepts the message takes
/// another (<see cref="AddRef"/>) and releases it once the bytes are written. When the count reaches
/// zero the buffer returns to the pool. Usage:
/// <code>
/// var msg = OutboundMessage.CreateEvent(default);   // writes "42"
/// WriteJsonArray(msg);                               // IBufferWriter: ["game_state",{...}]
/// msg.Complete();
/// foreach (var c in recipients) c.Send(msg);
/// msg.Release();
/// </code>
/// </remarks>
public sealed class OutboundMessage : IBufferWriter<byte>
{
    // Server-to-client frames are unmasked: 2 bytes + up to 8 bytes extended length (RFC 6455 §5.2).
    internal const int HeaderReserve = 10;
    private const int MaxPooled = 4096;

    private static readonly ConcurrentQueue<OutboundMessage> s_pool = new();
    private static int s_pooledCount;

    private byte[] _buffer = [];
    private int _frameStart;
    private int _written; // index one past the last payload byte
    private int _refCount;
    private bool _completed;
    private bool _binary;
    private List<byte[]>? _attachments;

    private OutboundMessage()
    {
    }

    /// <summary>True when the primary payload is binary (an Engine.IO binary message).</summary>
    public bool IsBinary => _binary;

    /// <summary>Bytes of the Engine.IO packet (text, e.g. <c>42["ev",1]</c>) without any framing.</summary>
    public ReadOnlyMemory<byte> Payload => _buffer.AsMemory(HeaderReserve, _written - HeaderReserve);

    /// <summary>The payload with its WebSocket frame header in front (valid after <see cref="Complete"/>).</summary>
    public ReadOnlyMemory<byte> WebSocketFrame
    {
        get
        {
            Debug.Assert(_completed, "Complete() must be called before the frame is written");
            return _buffer.AsMemory(_frameStart, _written - _frameStart);
        }
    }

    /// <summary>The record a long-polling response carries for the primary payload (text packets only).</summary>
    public ReadOnlyMemory<byte> PollingRecord => Payload;

    /// <summary>Binary attachments (Socket.IO BINARY_EVENT / BINARY_ACK), each sent as its own Engine.IO binary message.</summary>
    public IReadOnlyList<byte[]> Attachments => (IReadOnlyList<byte[]>?)_attachments ?? [];

    /// <summary>Total bytes this message occupies in an outbound queue (payload plus attachments).</summary>
    public int QueuedBytes
    {
        get
        {
            var n = _written - HeaderReserve;
            if (_attachments is { } a)
            {
                foreach (var x in a)
                {
                    n += x.Length;
                }
            }

            return n;
        }
    }

    /// <summary>An empty message; the caller writes the whole Engine.IO packet text.</summary>
    public static OutboundMessage Create(int sizeHint = 256)
    {
        if (!s_pool.TryDequeue(out var m))
        {
            m = new OutboundMessage();
        }
        else
        {
            Interlocked.Decrement(ref s_pooledCount);
        }

        m._buffer = ArrayPool<byte>.Shared.Rent(HeaderReserve + Math.Max(sizeHint, 64));
        m._written = HeaderReserve;
        m._frameStart = 0;
        m._refCount = 1;
        m._completed = false;
        m._binary = false;
        m._attachments = null;
        return m;
    }

    /// <summary>
    /// Starts a Socket.IO EVENT (<c>42</c>, then <c>/nsp,</c> unless the namespace is <c>/</c> or empty).
    /// The caller then writes the JSON array <c>["name",...args]</c> and calls <see cref="Complete"/>.
    /// </summary>
    public static OutboundMessage CreateEvent(ReadOnlySpan<byte> nsp, int sizeHint = 256)
    {
        var m = Create(sizeHint);
        m.WriteByte((byte)'4');
        m.WriteByte((byte)'2');
        m.WriteNamespace(nsp);
        return m;
    }

    /// <summary>Starts a Socket.IO ACK (<c>43</c>[nsp,]ackId); the caller writes the JSON array of arguments.</summary>
    public static OutboundMessage CreateAck(ReadOnlySpan<byte> nsp, long ackId, int sizeHint = 256)
    {
        var m = Create(sizeHint);
        m.WriteByte((byte)'4');
        m.WriteByte((byte)'3');
        m.WriteNamespace(nsp);
        m.WriteInt64(ackId);
        return m;
    }

    /// <summary>
    /// Starts a Socket.IO BINARY_EVENT (<c>45N-</c>) or, with <paramref name="isAck"/>, BINARY_ACK (<c>46N-</c>);
    /// the caller writes the JSON array with placeholders, then adds exactly <paramref name="attachmentCount"/> attachments.
    /// </summary>
    public static OutboundMessage CreateBinary(ReadOnlySpan<byte> nsp, int attachmentCount, long ackId, bool isAck, int sizeHint = 256)
    {
        var m = Create(sizeHint);
        m.WriteByte((byte)'4');
        m.WriteByte(isAck ? (byte)'6' : (byte)'5');
        m.WriteInt64(attachmentCount);
        m.WriteByte((byte)'-');
        m.WriteNamespace(nsp);
        if (ackId >= 0)
        {
            m.WriteInt64(ackId);
        }

        return m;
    }

    /// <summary>An Engine.IO binary message (raw bytes; over polling sent as <c>b</c> + base64).</summary>
    public static OutboundMessage CreateBinaryMessage(ReadOnlySpan<byte> data)
    {
        var m = Create(data.Length);
        m._binary = true;
        m.Write(data);
        m.Complete();
        return m;
    }

    /// <summary>Adds one binary attachment (copied).</summary>
    public void AddAttachment(ReadOnlySpan<byte> data)
    {
        (_attachments ??= []).Add(data.ToArray());
    }

    /// <summary>Appends raw bytes to the payload.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        data.CopyTo(GetSpan(data.Length));
        Advance(data.Length);
    }

    /// <summary>Appends one byte to the payload.</summary>
    public void WriteByte(byte b)
    {
        GetSpan(1)[0] = b;
        Advance(1);
    }

    /// <summary>Appends a decimal integer.</summary>
    public void WriteInt64(long value)
    {
        var span = GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var n);
        Advance(n);
    }

    private void WriteNamespace(ReadOnlySpan<byte> nsp)
    {
        if (nsp.IsEmpty || (nsp.Length == 1 && nsp[0] == (byte)'/'))
        {
            return;
        }

        Write(nsp);
        WriteByte((byte)',');
    }

    /// <inheritdoc />
    public void Advance(int count)
    {
        Debug.Assert(!_completed, "message already completed");
        _written += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }

        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    /// <summary>Finishes the payload and places the WebSocket frame header in front of it. Idempotent.</summary>
    public OutboundMessage Complete()
    {
        if (_completed)
        {
            return this;
        }

        var len = _written - HeaderReserve;
        var opcode = _binary ? (byte)0x82 : (byte)0x81; // FIN + text/binary
        //  0                   1                   2                   3
        //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
        // +-+-+-+-+-------+-+-------------+-------------------------------+
        // |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
        // |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
        // +-+-+-+-+-------+-+-------------+-------------------------------+
        if (len < 126)
        {
            _frameStart = HeaderReserve - 2;
            _buffer[_frameStart] = opcode;
            _buffer[_frameStart + 1] = (byte)len;
        }
        else if (len <= ushort.MaxValue)
        {
            _frameStart = HeaderReserve - 4;
            _buffer[_frameStart] = opcode;
            _buffer[_frameStart + 1] = 126;
            _buffer[_frameStart + 2] = (byte)(len >> 8);
            _buffer[_frameStart + 3] = (byte)len;
        }
        else
        {
            _frameStart = 0;
            _buffer[0] = opcode;
            _buffer[1] = 127;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(2, 8), (ulong)len);
        }

        _completed = true;
        return this;
    }

    /// <summary>Takes one more reference (one per queue that holds the message).</summary>
    public void AddRef()
    {
        var n = Interlocked.Increment(ref _refCount);
        Debug.Assert(n > 1, "AddRef on a released message");
    }

    /// <summary>Gives up one reference; the last one returns the buffer to the pool.</summary>
    public void Release()
    {
        var n = Interlocked.Decrement(ref _refCount);
        Debug.Assert(n >= 0, "message released too often");
        if (n != 0)
        {
            return;
        }

        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _attachments = null;
        if (Interlocked.Increment(ref s_pooledCount) <= MaxPooled)
        {
            s_pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_pooledCount);
        }
    }

    /// <summary>Base64 length of a binary payload sent over polling (for sizing a response).</summary>
    internal static int PollingBinaryLength(int rawLength) => 1 + Base64.GetMaxEncodedToUtf8Length(rawLength);
}
