using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Tasks.Sources;
using Cndr.Transport.Internal;
using Cndr.Transport.SocketIO;
using Cndr.Transport.WebSockets;

namespace Cndr.Transport.EngineIO;

/// <summary>
/// One Engine.IO v4 session. Its outbound queue outlives any one transport: long-polling GETs drain it,
/// and once on WebSocket a single-writer pump copies it into the connection's pipe. Thread-safe.
/// </summary>
public sealed partial class EngineIOSession : ITimerTarget
{
    internal enum CloseKind
    {
        /// <summary>Flush what is queued, then close (polling: the next GET carries the close packet).</summary>
        Graceful,
        /// <summary>The client closed (polling: a pending GET gets a noop).</summary>
        ClientClose,
        /// <summary>Protocol error or timeout: drop the queue; a pending GET gets a close packet.</summary>
        Error,
        /// <summary>Drop everything and abort the socket.</summary>
        Abort,
    }

    private readonly EngineIOServer _server;
    private readonly Lock _lock = new();
    private readonly Queue<OutEntry> _queue = new(2);
    private long _queuedBytes;
    private bool _closed;
    private bool _draining;

    // transport
    private bool _isWebSocket;
    private bool _upgrading;
    private WebSocketChannel? _ws;
    private WebSocketChannel? _probe;

    // websocket pump (single writer)
    private bool _pumping;
    private bool _closeAfterDrain;
    private bool _wsDetached;
    private bool _writerCompleted;
    private TaskCompletionSource? _detached;

    // polling
    private PollWaiter? _waiter;
    private bool _getPending;
    private bool _getSignaled;
    private bool _postActive;
    private byte[]? _closeReply;

    internal EngineIOSession(EngineIOServer server, string id, UInt128 key, IPAddress? remoteAddress)
    {
        _server = server;
        Id = id;
        Key = key;
        RemoteAddress = remoteAddress;
    }

    internal readonly struct OutEntry(OutboundMessage? message, byte[]? frame, bool webSocketOnly)
    {
        public OutboundMessage? Message { get; } = message;

        /// <summary>A complete WebSocket text frame (Engine.IO control packets) or any raw frame when <see cref="WebSocketOnly"/>.</summary>
        public byte[]? Frame { get; } = frame;

        public bool WebSocketOnly { get; } = webSocketOnly;
    }

    /// <summary>The Engine.IO session id (<c>sid</c>).</summary>
    public string Id { get; }

    internal UInt128 Key { get; }

    /// <summary>The peer's address, when known.</summary>
    public IPAddress? RemoteAddress { get; }

    /// <summary>True once the session's transport is WebSocket.</summary>
    public bool IsWebSocket => Volatile.Read(ref _isWebSocket);

    /// <summary>True once the session has closed.</summary>
    public bool IsClosed => Volatile.Read(ref _closed);

    /// <summary>Free slot for the Engine.IO handler (Socket.IO keeps its per-client state here).</summary>
    public object? HandlerState { get; set; }

    /// <summary>The options of the server the session belongs to.</summary>
    public EngineIOOptions Options => _server.Options;

    /// <summary>
    /// Queues a pre-encoded packet (the session takes its own reference). Returns false when the session is
    /// closed; a session whose queue passes <see cref="EngineIOOptions.MaxOutboundBytes"/> is dropped.
    /// </summary>
    public bool Send(OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Complete();
        bool pump;
        bool signal;
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            _queuedBytes += message.QueuedBytes;
            if (_queuedBytes > _server.Options.MaxOutboundBytes)
            {
                pump = false;
                signal = false;
            }
            else
            {
                message.AddRef();
                _queue.Enqueue(new OutEntry(message, null, false));
                pump = ShouldPumpLocked(out signal);
                goto queued;
            }
        }

        Interlocked.Increment(ref _server.Counters._slowConsumers);
        Close(DisconnectReason.SlowConsumer, CloseKind.Abort);
        return false;

    queued:
        AfterEnqueue(pump, signal);
        return true;
    }

    /// <summary>Closes the session after flushing what is queued (a transport close: clients reconnect).</summary>
    public void Close() => Close(DisconnectReason.ServerShutdown, CloseKind.Graceful);

    internal bool SendControl(byte[] frame)
    {
        bool pump;
        bool signal;
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            _queue.Enqueue(new OutEntry(null, frame, false));
            pump = ShouldPumpLocked(out signal);
        }

        AfterEnqueue(pump, signal);
        return true;
    }

    internal void EnqueueWebSocketFrame(byte[] frame)
    {
        bool pump;
        lock (_lock)
        {
            if (_closed || !_isWebSocket)
            {
                return;
            }

            _queue.Enqueue(new OutEntry(null, frame, true));
            pump = ShouldPumpLocked(out _);
        }

        if (pump)
        {
            Pump();
        }
    }

    private bool ShouldPumpLocked(out bool signalGet)
    {
        signalGet = false;
        if (_isWebSocket)
        {
            if (_pumping)
            {
                return false;
            }

            _pumping = true;
            return true;
        }

        if (_getPending && !_getSignaled)
        {
            _getSignaled = true;
            signalGet = true;
        }

        return false;
    }

    private void AfterEnqueue(bool pump, bool signal)
    {
        if (pump)
        {
            Pump();
        }

        if (signal)
        {
            _waiter!.Signal();
        }
    }

    private void ReleaseQueueLocked()
    {
        while (_queue.TryDequeue(out var e))
        {
            e.Message?.Release();
        }

        _queuedBytes = 0;
    }

    internal void Close(DisconnectReason reason, CloseKind kind, ushort webSocketCode = WebSocketConstants.CloseNormal)
    {
        bool pump = false;
        bool signal = false;
        bool wasPolling;
        WebSocketChannel? ws;
        WebSocketChannel? probe;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _timerGeneration++;
            wasPolling = !_isWebSocket;
            ws = _isWebSocket ? _ws : null;
            probe = _probe;
            _probe = null;
            if (ws is not null)
            {
                if (kind == CloseKind.Abort)
                {
                    ReleaseQueueLocked();
                }
                else
                {
                    if (kind == CloseKind.Error)
                    {
                        ReleaseQueueLocked();
                    }

                    _queue.Enqueue(new OutEntry(null, WebSocketFrameWriter.CloseFrame(webSocketCode), true));
                    _closeAfterDrain = true;
                    if (!_pumping)
                    {
                        _pumping = true;
                        pump = true;
                    }
                }
            }
            else if (kind == CloseKind.Graceful)
            {
                // The client learns of the close from the next GET (queued packets, then "1").
                _queue.Enqueue(new OutEntry(null, EngineIOLiterals.CloseFrame, false));
                _draining = true;
                if (_getPending && !_getSignaled)
                {
                    _getSignaled = true;
                    signal = true;
                }
            }
            else
            {
                ReleaseQueueLocked();
                _closeReply = kind == CloseKind.ClientClose ? EngineIOLiterals.NoopFrame : EngineIOLiterals.CloseFrame;
                if (_getPending && !_getSignaled)
                {
                    _getSignaled = true;
                    signal = true;
                }
                else if (kind == CloseKind.ClientClose && !_getPending)
                {
                    // The client's close POST may overtake its own pending GET on another connection:
                    // that GET still gets the noop (Engine.IO polling onClose), a later one 400.
                    _queue.Enqueue(new OutEntry(null, EngineIOLiterals.NoopFrame, false));
                    _draining = true;
                }
            }
        }

        if (_draining)
        {
            // Stays findable until a GET collects the close packet (or the client gives up).
            SharedTimer.Instance.Schedule(this, DrainToken, MonotonicClock.NowMs + _server.Options.PingTimeout);
        }
        else
        {
            _server.Remove(this);
        }

        if (wasPolling)
        {
            Interlocked.Decrement(ref _server.Counters._pollingSessions);
        }

        probe?.Connection.Abort();
        if (pump)
        {
            Pump();
        }

        if (signal)
        {
            _waiter!.Signal();
        }

        if (kind == CloseKind.Abort)
        {
            ws?.Connection.Abort();
        }

        try
        {
            _server.Handler.OnClose(this, reason);
        }
        catch (Exception ex)
        {
            _server.ReportHandlerFault(ex);
        }
    }

    /// <summary>Handles one WebSocket message. False = malformed (the caller closes the session).</summary>
    internal ValueTask<bool> OnPacketAsync(ReadOnlyMemory<byte> message, bool binary)
    {
        if (binary)
        {
            return DeliverAsync(message, true);
        }

        if (!EngineIOPayloadReader.TryParse(new ReadOnlySequence<byte>(message), out var packet))
        {
            return new(false);
        }

        return OnPacketAsync(packet);
    }

    /// <summary>Handles one Engine.IO packet from the client (its data is one segment). False = malformed.</summary>
    private ValueTask<bool> OnPacketAsync(in EngineIOPacket packet)
    {
        switch (packet.Type)
        {
            case EngineIOPacketType.Close:
                Close(DisconnectReason.TransportClose, CloseKind.ClientClose);
                return new(true);
            case EngineIOPacketType.Ping:
            case EngineIOPacketType.Noop:
                return new(true);
            case EngineIOPacketType.Pong:
                OnPong();
                return new(true);
            case EngineIOPacketType.Message:
                if (!packet.IsBase64Binary)
                {
                    return DeliverAsync(packet.Data.First, false);
                }

                return packet.TryDecodeBinary(out var decoded) ? DeliverAsync(decoded, true) : new(false);
            case EngineIOPacketType.Upgrade:
                return new(IsWebSocket);
            default:
                return new(false);
        }
    }

    private ValueTask<bool> DeliverAsync(ReadOnlyMemory<byte> data, bool binary)
    {
        if (IsClosed)
        {
            return new(true);
        }

        var task = _server.Handler.OnMessageAsync(this, data, binary);
        if (task.IsCompletedSuccessfully)
        {
            return new(true);
        }

        return AwaitDeliverAsync(task);
    }

    private static async ValueTask<bool> AwaitDeliverAsync(ValueTask task)
    {
        await task.ConfigureAwait(false);
        return true;
    }

    /// <summary>Reusable awaitable for a pending long-poll GET (no allocation per GET).</summary>
    private sealed class PollWaiter : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

        public ValueTask WaitAsync() => new(this, _core.Version);

        public void Reset() => _core.Reset();

        public void Signal() => _core.SetResult(true);

        public void GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => _core.OnCompleted(continuation, state, token, flags);
    }

    private static int WriteEntryToWebSocket(PipeWriter output, in OutEntry entry)
    {
        if (entry.Frame is { } frame)
        {
            output.Write(frame);
            return frame.Length;
        }

        var message = entry.Message!;
        var bytes = message.WebSocketFrame.Length;
        output.Write(message.WebSocketFrame.Span);
        var attachments = message.Attachments;
        for (var i = 0; i < attachments.Count; i++)
        {
            var a = attachments[i];
            var span = output.GetSpan(WebSocketFrameWriter.MaxHeaderLength);
            var n = WebSocketFrameWriter.WriteHeader(span, WebSocketConstants.OpBinary, a.Length);
            output.Advance(n);
            output.Write(a);
            bytes += n + a.Length;
        }

        return bytes;
    }

    private static long PollingLength(in OutEntry entry)
    {
        if (entry.Frame is { } frame)
        {
            return frame.Length - 2;
        }

        var message = entry.Message!;
        var n = message.IsBinary ? EngineIOPayloadWriter.BinaryRecordLength(message.Payload.Length) : message.Payload.Length;
        var attachments = message.Attachments;
        for (var i = 0; i < attachments.Count; i++)
        {
            n += 1 + EngineIOPayloadWriter.BinaryRecordLength(attachments[i].Length);
        }

        return n;
    }

    private static void WritePollingRecord(PipeWriter output, in OutEntry entry)
    {
        if (entry.Frame is { } frame)
        {
            output.Write(frame.AsSpan(2));
            return;
        }

        var message = entry.Message!;
        if (message.IsBinary)
        {
            EngineIOPayloadWriter.WriteBinaryRecord(output, message.Payload.Span);
        }
        else
        {
            output.Write(message.PollingRecord.Span);
        }

        var attachments = message.Attachments;
        for (var i = 0; i < attachments.Count; i++)
        {
            EngineIOPayloadWriter.WriteSeparator(output);
            EngineIOPayloadWriter.WriteBinaryRecord(output, attachments[i]);
        }
    }
}
