using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Tasks.Sources;
using Cndr.Transport.Internal;
using Cndr.Transport.SocketIO;
using Cndr.Transport.Sockets;
using Cndr.Transport.WebSockets;

namespace Cndr.Transport.EngineIO;

/// <summary>
/// One Engine.IO v4 session. Its outbound queue outlives any one transport: long-polling GETs drain it,
/// and once on WebSocket a single-writer pump copies it into the connection's pipe. Thread-safe.
/// </summary>
public sealed partial class EngineIOSession : ITimerTarget, IDeferredFlush, IRingSendOwner
{
    /// <summary>How a close treats what is queued.</summary>
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

    // 1 while the session counts against the caps on sessions not yet established (taken before it was created).
    private int _holdsPendingSlot = 1;

    // The lifecycle; changed only by TransitionLocked (EngineIOSession.Lifecycle.cs).
    private volatile EngineIOSessionState _state;

    // The WebSocket transport once there is one (it stays set while Closing), and the upgrade probe.
    private WebSocketChannel? _ws;
    private WebSocketChannel? _probe;

    // The WebSocket writer (single-writer pump).
    private bool _pumping;

    /// <summary>Open <see cref="Cork"/>s (under <c>_lock</c>): while above zero, what is queued waits.</summary>
    private int _corked;

    /// <summary>One of the corks is the current thread's <see cref="WriteBatch"/>'s (under <c>_lock</c>; see <see cref="ShouldPumpLocked"/>).</summary>
    private bool _batchCorked;
    private bool _wsDetached;
    private bool _writerCompleted;
    private TaskCompletionSource? _detached;

    // Long-polling requests in flight.
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

    /// <summary>Which transports may carry a queued entry.</summary>
    internal enum OutRoute : byte
    {
        Any,
        /// <summary>WebSocket control frames (pong, close): dropped by polling.</summary>
        WebSocketOnly,
        /// <summary>The polling close/noop packet: dropped when the session moves to WebSocket while closing.</summary>
        PollingOnly,
    }

    internal readonly struct OutEntry(OutboundMessage? message, byte[]? frame, OutRoute route)
    {
        public OutboundMessage? Message { get; } = message;

        /// <summary>A complete WebSocket frame (Engine.IO control packets as text frames, or any raw frame).</summary>
        public byte[]? Frame { get; } = frame;

        public OutRoute Route { get; } = route;

        /// <summary>Bytes the entry counts against <see cref="EngineIOOptions.MaxOutboundBytes"/>.</summary>
        public long Bytes => Frame?.Length ?? Message!.QueuedBytes;
    }

    /// <summary>The Engine.IO session id (<c>sid</c>).</summary>
    public string Id { get; }

    internal UInt128 Key { get; }

    /// <summary>The peer's address, when known.</summary>
    public IPAddress? RemoteAddress { get; }

    /// <summary>True once the session's transport is WebSocket.</summary>
    public bool IsWebSocket => Volatile.Read(ref _ws) is not null;

    /// <summary>True once the session is closing or closed (nothing more can be sent).</summary>
    public bool IsClosed => _state >= EngineIOSessionState.Closing;

    internal EngineIOSessionState State => _state;

    /// <summary>Free slot for the Engine.IO handler (Socket.IO keeps its per-client state here).</summary>
    public object? HandlerState { get; set; }

    /// <summary>The options of the server the session belongs to.</summary>
    public EngineIOOptions Options => _server.Options;

    /// <summary>Bytes queued and not yet handed to the transport (counted against <see cref="EngineIOOptions.MaxOutboundBytes"/>).</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>
    /// Queues a pre-encoded packet (the session takes its own reference). Returns false when the session is
    /// closed; a session whose queue passes <see cref="EngineIOOptions.MaxOutboundBytes"/> is dropped. The limit is
    /// for a backlog: a single packet larger than the limit is accepted while what waits ahead of it is within the limit.
    /// </summary>
    public bool Send(OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Complete();
        return Enqueue(new OutEntry(message, null, OutRoute.Any));
    }

    /// <summary>Closes the session after flushing what is queued (a transport close: clients reconnect).</summary>
    public void Close() => Close(DisconnectReason.ServerShutdown, CloseKind.Graceful);

    /// <summary>Queues an Engine.IO control packet (a text frame from <see cref="EngineIOLiterals"/>).</summary>
    internal bool SendControl(byte[] frame) => Enqueue(new OutEntry(null, frame, OutRoute.Any));

    /// <summary>Queues a raw WebSocket frame (a pong); only on a WebSocket session.</summary>
    internal bool EnqueueWebSocketFrame(byte[] frame) => Enqueue(new OutEntry(null, frame, OutRoute.WebSocketOnly));

    /// <summary>
    /// Every queued entry counts against <see cref="EngineIOOptions.MaxOutboundBytes"/>, control frames included:
    /// a peer that makes the session queue (pings it never reads the pongs of, say) is cut, not buffered.
    /// </summary>
    private bool Enqueue(in OutEntry entry)
    {
        bool pump;
        bool signal;
        bool defer;
        lock (_lock)
        {
            if (_state >= EngineIOSessionState.Closing || (entry.Route == OutRoute.WebSocketOnly && _ws is null))
            {
                return false;
            }

            // The limit bounds a backlog, not a message: an entry larger than the limit by itself is still taken while
            // what waits ahead of it is within the limit (e.g. a large reply right behind a small packet the peer has not
            // fetched yet); an entry that makes a backlog pass the limit, or any entry behind such a backlog, is not.
            var before = _queuedBytes;
            var limit = _server.Options.MaxOutboundBytes;
            _queuedBytes += entry.Bytes;
            if (_queuedBytes > limit && before > 0 && (entry.Bytes <= limit || before > limit))
            {
                goto overLimit;
            }

            entry.Message?.AddRef();
            _queue.Enqueue(entry);
            pump = ShouldPumpLocked(out signal, out defer);
        }

        AfterEnqueue(pump, signal, defer);
        return true;

    overLimit:
        Interlocked.Increment(ref _server.Counters._slowConsumers);
        Close(DisconnectReason.SlowConsumer, CloseKind.Abort);
        return false;
    }

    /// <summary>
    /// Whether the caller pumps (a WebSocket session nobody is writing for), or signals a waiting GET (long-polling). While
    /// the current thread works off a batch of input (<see cref="WriteBatch"/>: one epoll wake-up's events, one receive of
    /// the store's replies or of the bus's messages) a WebSocket session is corked instead and <paramref name="deferToBatch"/>
    /// set (the caller defers it): its packets leave at the batch's end with one <c>send()</c> for all of them. When a batch
    /// holds several updates of one room, each member gets them in one write instead of one each — the further behind a
    /// node is, the larger its batches and the cheaper each delivery. Nothing waits longer than the batch it arrived in.
    /// </summary>
    private bool ShouldPumpLocked(out bool signalGet, out bool deferToBatch)
    {
        signalGet = false;
        deferToBatch = false;
        if (_corked > 0)
        {
            return false;
        }

        if (_ws is not null)
        {
            if (_pumping)
            {
                return false;
            }

            if (WriteBatch.IsOpen)
            {
                // The batch's end sends it, with whatever else the batch queues here.
                _corked++;
                _batchCorked = true;
                deferToBatch = true;
                return false;
            }

            _pumping = true;
            return true;
        }

        signalGet = SignalGetLocked();
        return false;
    }

    /// <summary>
    /// Holds what is sent to this session from now on until the matching <see cref="Uncork"/>, which sends it all
    /// at once: one <c>send()</c> (or one polling response) for the packets of one step, e.g. a Socket.IO CONNECT's
    /// reply and the events the handler sends with it. Nests; every Cork needs its Uncork (in a finally).
    /// </summary>
    internal void Cork()
    {
        lock (_lock)
        {
            _corked++;
        }
    }

    /// <summary>Ends one <see cref="Cork"/>; the last one sends what was held.</summary>
    internal void Uncork()
    {
        bool pump;
        bool signal;
        bool defer;
        lock (_lock)
        {
            if (--_corked > 0 || _queue.Count == 0)
            {
                return;
            }

            pump = ShouldPumpLocked(out signal, out defer);
        }

        AfterEnqueue(pump, signal, defer);
    }

    /// <summary>The batch that corked this session ended: what it queued leaves now.</summary>
    void IDeferredFlush.FlushDeferred()
    {
        lock (_lock)
        {
            if (!_batchCorked)
            {
                return;
            }

            _batchCorked = false;
        }

        Uncork();
    }

    /// <summary>Marks a pending GET for release (the caller signals the waiter outside the lock).</summary>
    private bool SignalGetLocked()
    {
        if (_getPending && !_getSignaled)
        {
            _getSignaled = true;
            return true;
        }

        return false;
    }

    private void AfterEnqueue(bool pump, bool signal, bool defer)
    {
        if (defer)
        {
            WriteBatch.Defer(this);
        }

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
