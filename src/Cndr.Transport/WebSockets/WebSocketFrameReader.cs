using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Unicode;

namespace Cndr.Transport.WebSockets;

/// <summary>What <see cref="WebSocketFrameReader.Process"/> found.</summary>
internal enum WebSocketReadStatus
{
    /// <summary>More bytes are needed; advance the pipe to (consumed, examined) and read again.</summary>
    NeedMore,
    /// <summary>A complete data message is in <see cref="WebSocketFrameReader.Message"/>.</summary>
    Message,
    /// <summary>The peer sent a close frame; <see cref="WebSocketFrameReader.CloseStatus"/> is its code (1005 when none).</summary>
    Closed,
    /// <summary>Protocol violation; close the connection with <see cref="WebSocketFrameReader.CloseStatus"/>.</summary>
    Error,
}

/// <summary>Receives the payload of ping frames (the owner answers with a pong).</summary>
internal interface IWebSocketPingSink
{
    void OnPing(ReadOnlySpan<byte> payload);
}

/// <summary>
/// Resumable RFC 6455 frame reader for the server side. Client frames must be masked (§5.1), reserved bits
/// clear (§5.2), control frames whole and at most 125 bytes (§5.5); fragmented messages are reassembled with
/// control frames allowed in between; text messages must be valid UTF-8 (§8.1, checked over the whole
/// reassembled message). A message longer than the limit is refused from its frame header (1009) before any
/// of it is buffered.
/// </summary>
/// <remarks>
/// A single-frame message that is already complete in one pipe segment is unmasked in place and handed out
/// as a view of the pipe buffer (the caller must not advance the pipe past <c>consumed</c> until it is done
/// with the message). Everything else is unmasked into a pooled reassembly buffer as it arrives.
/// </remarks>
internal sealed class WebSocketFrameReader
{
    private readonly long _maxMessageBytes;
    private readonly IWebSocketPingSink? _pings;

    // Frame being received in the payload state.
    private bool _inPayload;
    private long _frameRemaining;
    private uint _frameMask;
    private int _frameOffset;
    private bool _frameFin;

    // Message being reassembled.
    private bool _inMessage;
    private byte _messageOpcode;
    private byte[]? _assembly;
    private int _assemblyLength;

    public WebSocketFrameReader(long maxMessageBytes, IWebSocketPingSink? pings)
    {
        _maxMessageBytes = maxMessageBytes;
        _pings = pings;
    }

    /// <summary>The last complete message (valid until the next <see cref="Process"/> / <see cref="ReleaseMessage"/>).</summary>
    public Memory<byte> Message { get; private set; }

    /// <summary>True when <see cref="Message"/> is binary.</summary>
    public bool MessageIsBinary { get; private set; }

    /// <summary>True when <see cref="Message"/> points into the pipe buffer (the caller must hold the pipe).</summary>
    public bool MessageInPipe { get; private set; }

    /// <summary>Close code received (Closed) or to send (Error).</summary>
    public ushort CloseStatus { get; private set; }

    /// <summary>Forgets the last message and returns the reassembly buffer to the pool.</summary>
    public void ReleaseMessage()
    {
        Message = default;
        MessageInPipe = false;
        if (!_inMessage && _assembly is not null)
        {
            ArrayPool<byte>.Shared.Return(_assembly);
            _assembly = null;
            _assemblyLength = 0;
        }
    }

    /// <summary>Processes frames from <paramref name="buffer"/> until a message, a close or an error, or until more input is needed.</summary>
    public WebSocketReadStatus Process(in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out SequencePosition examined)
    {
        ReleaseMessage();
        var reader = new SequenceReader<byte>(buffer);
        examined = buffer.End;
        while (true)
        {
            if (_inPayload)
            {
                var n = (int)Math.Min(reader.Remaining, _frameRemaining);
                if (n > 0)
                {
                    var dst = _assembly.AsSpan(_assemblyLength, n);
                    reader.TryCopyTo(dst);
                    reader.Advance(n);
                    WebSocketMasking.Apply(dst, _frameMask, _frameOffset);
                    _frameOffset = (int)((_frameOffset + n) & 3);
                    _assemblyLength += n;
                    _frameRemaining -= n;
                }

                if (_frameRemaining > 0)
                {
                    consumed = reader.Position;
                    return WebSocketReadStatus.NeedMore;
                }

                _inPayload = false;
                if (_frameFin)
                {
                    _inMessage = false;
                    consumed = reader.Position;
                    return CompleteMessage(_assembly.AsMemory(0, _assemblyLength), _messageOpcode, inPipe: false);
                }

                continue;
            }

            var frameStart = reader.Position;
            if (!TryReadHeader(ref reader, out var fin, out var rsv, out var opcode, out var masked, out var length, out var mask))
            {
                consumed = frameStart;
                return WebSocketReadStatus.NeedMore;
            }

            consumed = frameStart;
            if (rsv != 0 || !masked || opcode is > OpBinary and < OpClose or > OpPong || length < 0)
            {
                // §5.2 reserved bits without an extension, §5.1 unmasked client frame, reserved opcodes, 64-bit length with MSB set.
                return Fail(WebSocketConstants.CloseProtocolError);
            }

            if (opcode >= OpClose)
            {
                if (!fin || length > 125)
                {
                    return Fail(WebSocketConstants.CloseProtocolError); // §5.5
                }

                if (reader.Remaining < length)
                {
                    return WebSocketReadStatus.NeedMore;
                }

                Span<byte> payload = stackalloc byte[125];
                payload = payload[..(int)length];
                reader.TryCopyTo(payload);
                reader.Advance(length);
                WebSocketMasking.Apply(payload, mask, 0);
                consumed = reader.Position;
                if (opcode == OpPing)
                {
                    _pings?.OnPing(payload);
                    continue;
                }

                if (opcode == OpPong)
                {
                    continue;
                }

                return ReadClose(payload);
            }

            if (opcode == OpContinuation ? !_inMessage : _inMessage)
            {
                // §5.4: a continuation with no message started, or a new message before the last one finished.
                return Fail(WebSocketConstants.CloseProtocolError);
            }

            var total = (opcode == OpContinuation ? _assemblyLength : 0) + length;
            if (total > _maxMessageBytes)
            {
                return Fail(WebSocketConstants.CloseMessageTooBig);
            }

            if (fin && opcode != OpContinuation && reader.Remaining >= length)
            {
                // Fast path: a whole unfragmented message is here.
                var slice = buffer.Slice(reader.Position, length);
                reader.Advance(length);
                consumed = reader.Position;
                if (slice.IsSingleSegment)
                {
                    var memory = MemoryMarshal.AsMemory(slice.First);
                    WebSocketMasking.Apply(memory.Span, mask, 0);
                    return CompleteMessage(memory, opcode, inPipe: true);
                }

                EnsureAssembly((int)length);
                slice.CopyTo(_assembly);
                var copy = _assembly.AsMemory(0, (int)length);
                WebSocketMasking.Apply(copy.Span, mask, 0);
                _assemblyLength = (int)length;
                return CompleteMessage(copy, opcode, inPipe: false);
            }

            if (opcode != OpContinuation)
            {
                _inMessage = true;
                _messageOpcode = opcode;
                _assemblyLength = 0;
            }

            EnsureAssembly((int)total);
            _inPayload = true;
            _frameRemaining = length;
            _frameMask = mask;
            _frameOffset = 0;
            _frameFin = fin;
        }
    }

    private const byte OpContinuation = WebSocketConstants.OpContinuation;
    private const byte OpBinary = WebSocketConstants.OpBinary;
    private const byte OpClose = WebSocketConstants.OpClose;
    private const byte OpPing = WebSocketConstants.OpPing;
    private const byte OpPong = WebSocketConstants.OpPong;

    private WebSocketReadStatus CompleteMessage(Memory<byte> message, byte opcode, bool inPipe)
    {
        var binary = opcode == OpBinary;
        if (!binary && !Utf8.IsValid(message.Span))
        {
            return Fail(WebSocketConstants.CloseInvalidPayload);
        }

        Message = message;
        MessageIsBinary = binary;
        MessageInPipe = inPipe;
        return WebSocketReadStatus.Message;
    }

    private WebSocketReadStatus ReadClose(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 0)
        {
            CloseStatus = WebSocketConstants.CloseNoStatus;
            return WebSocketReadStatus.Closed;
        }

        if (payload.Length == 1)
        {
            return Fail(WebSocketConstants.CloseProtocolError);
        }

        var code = BinaryPrimitives.ReadUInt16BigEndian(payload);
        if (!WebSocketConstants.IsValidReceivedCloseCode(code))
        {
            return Fail(WebSocketConstants.CloseProtocolError);
        }

        if (!Utf8.IsValid(payload[2..]))
        {
            return Fail(WebSocketConstants.CloseInvalidPayload);
        }

        CloseStatus = code;
        return WebSocketReadStatus.Closed;
    }

    private WebSocketReadStatus Fail(ushort code)
    {
        CloseStatus = code;
        return WebSocketReadStatus.Error;
    }

    private void EnsureAssembly(int size)
    {
        if (_assembly is null)
        {
            _assembly = ArrayPool<byte>.Shared.Rent(Math.Max(size, 256));
        }
        else if (_assembly.Length < size)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(size, _assembly.Length * 2));
            _assembly.AsSpan(0, _assemblyLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_assembly);
            _assembly = bigger;
        }
    }

    /// <summary>Reads a frame header; on partial input returns false and leaves <paramref name="reader"/> unchanged.</summary>
    internal static bool TryReadHeader(ref SequenceReader<byte> reader, out bool fin, out int rsv, out byte opcode, out bool masked, out long length, out uint mask)
    {
        fin = false;
        rsv = 0;
        opcode = 0;
        masked = false;
        length = 0;
        mask = 0;
        Span<byte> h = stackalloc byte[14];
        if (!reader.TryCopyTo(h[..2]))
        {
            return false;
        }

        var len7 = h[1] & 0x7F;
        var size = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((h[1] & 0x80) != 0 ? 4 : 0);
        if (!reader.TryCopyTo(h[..size]))
        {
            return false;
        }

        fin = (h[0] & 0x80) != 0;
        rsv = h[0] & 0x70;
        opcode = (byte)(h[0] & 0x0F);
        masked = (h[1] & 0x80) != 0;
        var p = 2;
        if (len7 == 126)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(h[2..]);
            p = 4;
        }
        else if (len7 == 127)
        {
            var l = BinaryPrimitives.ReadUInt64BigEndian(h[2..]);
            length = l > long.MaxValue ? -1 : (long)l;
            p = 10;
        }
        else
        {
            length = len7;
        }

        if (masked)
        {
            mask = WebSocketMasking.ReadKey(h[p..]);
        }

        reader.Advance(size);
        return true;
    }
}
