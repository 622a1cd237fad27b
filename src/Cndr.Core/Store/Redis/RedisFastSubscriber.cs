using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

using Cndr.Transport.Internal;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// The room bus's subscription connection on a standalone Redis (the conditions of <see cref="RedisFastConnection"/>):
/// one socket in RESP2 subscribe mode and one reader thread that parses each <c>message</c> push, drops this node's own
/// publications, and hands the rest to the bus INLINE — decode, the listener's local sends — with no thread-pool hop and no
/// allocation per message (the receive buffer is the thread's own; a message larger than it grows it once, then it shrinks
/// back). In a burst (more whole messages already buffered behind one, or the receive filled the buffer) a message goes to
/// its room's <see cref="RoomBusLane"/> instead, worked off on the thread pool, so one thread does not cap the node's
/// fan-out; a room's messages keep their publication order either way (inline only while its lane is idle).
/// Where the transport's epoll loop runs, the socket is read there (<see cref="RespLoopReader"/>, the default): a push is
/// handled in the loop's wake-up beside the client sockets, and the reader thread only connects, keeps alive and notices
/// a late reply; with <see cref="RedisStoreOptions.ReadOnLoop"/> off the reader thread polls and receives itself.
/// </summary>
/// <remarks>
/// <para><b>Acknowledgements.</b> SUBSCRIBE and UNSUBSCRIBE are sent one channel per command by the calling thread (under
/// the lock, non-blocking); Redis answers each in command order, interleaved with the pushes, so the replies awaited on the
/// current socket form one FIFO. A room is <see cref="IsSubscribed">subscribed</see>, and <see cref="Subscribe"/>'s task
/// completes, when its own SUBSCRIBE's reply arrives: a PUBLISH made after that reaches this node.</para>
/// <para><b>Outage.</b> The moment the socket fails (read error, end, a reply older than the operation timeout, a failed
/// send) the connection is not <see cref="IsLive"/>, no room is subscribed, and every waiting <see cref="Subscribe"/>
/// completes (its attempt failed; it never faults). The reader thread reconnects with backoff, re-SUBSCRIBEs every current
/// room, and once the last of those replies is in it is live again and reports a gap once (the listener re-reads what it
/// may have missed). A <see cref="Subscribe"/> made while down completes at once and is subscribed by the reconnect.</para>
/// <para><b>Keepalive.</b> A connection nothing has come over for <see cref="RedisStoreOptions.SubscriberKeepAliveMs"/>
/// gets a PING, awaited like an acknowledgement: a Redis that stopped answering (hung, or the path to it silently gone) is
/// noticed within that interval plus the operation timeout, and is an outage as above — instead of a subscription that
/// looks live while every other node's publication is lost.</para>
/// <para><b>Bound.</b> Each lane holds at most its capacity; beyond it a message is dropped and counted
/// (<see cref="DroppedCount"/>) and the gap reported once the lane is drained. While the reader itself delivers, unread
/// pushes wait in the socket and then in Redis's pub/sub output buffer of this client; past its limit
/// (client-output-buffer-limit pubsub) Redis drops the connection, which is an outage as above (gap, resync).</para>
/// </remarks>
internal sealed partial class RedisFastSubscriber : IDisposable
{
    /// <summary>The name of the reader thread (where the bus's listener runs).</summary>
    public const string ReaderThreadName = "cndr-redis-sub";

    /// <summary>Where the current connection's pushes are handled (and what follows them runs): an epoll loop's thread, or the reader thread.</summary>
    internal string ReplyThreadName => _loopReads?.ThreadName ?? ReaderThreadName;

    private const int ReceiveBufferSize = 64 * 1024;

    private readonly RedisStoreOptions _options;
    private readonly ILogger _logger;
    private readonly byte[] _channelPrefix;
    private readonly Action<RoomCode, ReadOnlyMemory<byte>> _onMessage;
    private readonly byte[] _nodeId;
    private readonly RoomBusLane[] _lanes;
    private readonly Action _onGap;
    private readonly long _timeoutTicks;
    private readonly long _keepAliveTicks;
    private readonly Lock _lock = new();
    private readonly Thread _reader;
    private readonly ManualResetEventSlim _stopping = new(false);
    private readonly RespReceiveBuffer _receive = new(ReceiveBufferSize);
    private readonly Func<bool> _givesUp;
    private readonly Func<RespReceiveBuffer, Exception?> _takeAll;

    // The current connection's reads on the epoll loop (null: read on the reader thread, or not connected).
    private volatile RespLoopReader? _loopReads;

    // Whether the current connection owes its rooms a gap once re-subscribed (set before anything is sent on it).
    private volatile bool _gapDue;

    // Guarded by _lock: the rooms wanted, the live socket (null while down), the replies awaited on it in command order,
    // how many of the first of those are the reconnect's re-SUBSCRIBEs, whether a first connection attempt has ended, and
    // the command buffer.
    private readonly Dictionary<RoomCode, Subscription> _rooms = [];
    private readonly Queue<PendingReply> _replies = new();
    private readonly RespWriter _writer = new(256);
    private Socket? _socket;
    private int _resubscribing;
    private bool _attempted;
    private bool _pingAwaited;

    // When the reader last took a whole reply off the current socket (or connected): the keepalive's clock.
    private long _lastHeard;
    private long _pings;

    private volatile bool _live;
    private volatile bool _disposed;
    private long _reconnects;
    private long _listenerFailures;
    private long _dropped;

    /// <param name="options">A server <see cref="RedisFastConnection.Supports"/> accepts.</param>
    /// <param name="logger">Where drops, reconnections and listener failures are logged.</param>
    /// <param name="channelPrefix">What precedes the room code in every channel name (a push's room is read from its channel).</param>
    /// <param name="nodeId">This node's id (UTF-8): its own publications, which Redis echoes, are dropped (<see cref="RoomBusCodec.IsFrom"/>).</param>
    /// <param name="onMessage">
    /// Called for each other node's message of a subscribed room, on the reader thread or a lane's (the payload is valid during
    /// the call); never concurrently for one room.
    /// </param>
    /// <param name="onGap">Called after a reconnection re-subscribed every room, or a full lane dropped messages and was drained.</param>
    /// <param name="laneCapacity">Messages one lane holds at most.</param>
    public RedisFastSubscriber(
        RedisStoreOptions options, ILogger logger, string channelPrefix, byte[] nodeId, Action<RoomCode, ReadOnlyMemory<byte>> onMessage, Action onGap, int laneCapacity)
    {
        _nodeId = nodeId;
        _lanes = new RoomBusLane[Math.Max(2, Environment.ProcessorCount)];
        for (var i = 0; i < _lanes.Length; i++)
        {
            _lanes[i] = new RoomBusLane(onMessage, ListenerFailed, ReportGap, laneCapacity);
        }

        _options = options;
        _logger = logger;
        _channelPrefix = System.Text.Encoding.UTF8.GetBytes(channelPrefix);
        _onMessage = onMessage;
        _onGap = onGap;
        _timeoutTicks = Stopwatch.Frequency * Math.Max(1, options.OperationTimeoutMs) / 1000;
        _keepAliveTicks = Stopwatch.Frequency * Math.Max(1, options.SubscriberKeepAliveMs) / 1000;
        _reader = new Thread(Run) { IsBackground = true, Name = ReaderThreadName };
        _givesUp = () =>
        {
            KeepAlive();
            return _disposed || OldestIsLate();
        };
        _takeAll = TakeAll;
    }

    /// <summary>The CLIENT SETNAME of this connection (the multiplexer's name with a suffix).</summary>
    public string ClientName => _options.ClientName + "-sub";

    /// <summary>
    /// False from the moment the socket fails until every room was re-subscribed (acknowledged) on the next one; true while
    /// connected with every re-SUBSCRIBE acknowledged.
    /// </summary>
    public bool IsLive => _live;

    /// <summary>Rooms wanted (subscribed, being subscribed, or waiting for the reconnection).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _rooms.Count;
            }
        }
    }

    /// <summary>The socket's file descriptor while connected, else -1 (tests: which epoll sets watch it).</summary>
    internal int SocketDescriptor
    {
        get
        {
            lock (_lock)
            {
                return RedisFastConnection.DescriptorOf(_socket);
            }
        }
    }

    /// <summary>Connections made after the first.</summary>
    public long ReconnectCount => Interlocked.Read(ref _reconnects);

    /// <summary>Keepalive PINGs sent (the connection was quiet for <see cref="RedisStoreOptions.SubscriberKeepAliveMs"/>).</summary>
    public long PingCount => Interlocked.Read(ref _pings);

    /// <summary>Messages dropped because their room's lane was full.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Messages whose listener call threw (logged; the reader went on).</summary>
    public long ListenerFailureCount => Interlocked.Read(ref _listenerFailures);

    /// <summary>Starts the reader thread (it connects, then reconnects whenever the connection is lost).</summary>
    public void Start() => _reader.Start();

    /// <summary>
    /// Subscribes <paramref name="room"/> on <paramref name="channel"/> (idempotent). The task completes when Redis
    /// acknowledged the SUBSCRIBE, or when the attempt failed (down: the reconnection subscribes it and reports a gap).
    /// </summary>
    public Task Subscribe(RoomCode room, byte[] channel)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return Task.CompletedTask;
            }

            if (_rooms.TryGetValue(room, out var existing))
            {
                return existing.Waiter?.Task ?? Task.CompletedTask;
            }

            var sub = new Subscription(room, channel);
            _rooms.Add(room, sub);
            if (_socket is not null)
            {
                sub.Waiter = NewWaiter();
                SendLocked(sub, subscribe: true);
                return sub.Waiter.Task;
            }

            if (!_attempted)
            {
                // Starting up: the first connection subscribes it (or its failure completes the task).
                sub.Waiter = NewWaiter();
                return sub.Waiter.Task;
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>Stops delivering <paramref name="room"/> at once and sends UNSUBSCRIBE (idempotent).</summary>
    public void Unsubscribe(RoomCode room)
    {
        lock (_lock)
        {
            if (!_rooms.Remove(room, out var sub))
            {
                return;
            }

            sub.Live = false;
            sub.Waiter?.TrySetResult();
            if (_socket is not null)
            {
                SendLocked(sub, subscribe: false);
            }
        }
    }

    /// <summary>True once Redis acknowledged <paramref name="room"/>'s SUBSCRIBE on the current socket.</summary>
    public bool IsSubscribed(RoomCode room)
    {
        lock (_lock)
        {
            return _rooms.TryGetValue(room, out var sub) && sub.Live;
        }
    }

    private static TaskCompletionSource NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Under _lock with a socket: one command, its reply awaited in order. A send that cannot complete within the operation
    // timeout (Redis not reading) fails the socket: the reconnection re-issues everything.
    private void SendLocked(Subscription sub, bool subscribe)
    {
        _writer.Reset();
        _writer.WriteArrayHeader(2);
        _writer.WriteBulk(subscribe ? "SUBSCRIBE"u8 : "UNSUBSCRIBE"u8);
        _writer.WriteBulk(sub.Channel);
        _replies.Enqueue(new PendingReply(sub, subscribe, Stopwatch.GetTimestamp()));
        Send(_socket!);
    }

    private void Send(Socket socket)
    {
        var bytes = _writer.Written.Span;
        var sent = 0;
        while (sent < bytes.Length)
        {
            var n = socket.Send(bytes[sent..], SocketFlags.None, out var error);
            if (error == SocketError.Success)
            {
                sent += n;
            }
            else if (error != SocketError.WouldBlock || !socket.Poll(_options.OperationTimeoutMs * 1000, SelectMode.SelectWrite))
            {
                Fail(socket);
                return;
            }
        }
    }

    // Not live from this moment; the reader thread sees the end of the socket and reconnects.
    private void Fail(Socket socket)
    {
        _live = false;
        RedisFastConnection.Fault(socket);
    }

    // On the reader thread while it waits for bytes (every poll interval): a quiet connection gets one PING, awaited in
    // order with the acknowledgements (OldestIsLate ends the connection when it is late; a failed send fails the socket).
    private void KeepAlive()
    {
        if (Stopwatch.GetTimestamp() - Volatile.Read(ref _lastHeard) < _keepAliveTicks)
        {
            return;
        }

        lock (_lock)
        {
            if (_pingAwaited || _socket is not { } socket)
            {
                return;
            }

            _pingAwaited = true;
            _writer.Reset();
            _writer.WriteArrayHeader(1);
            _writer.WriteBulk("PING"u8);
            _replies.Enqueue(new PendingReply(null, Subscribe: false, Stopwatch.GetTimestamp()));
            Interlocked.Increment(ref _pings);
            Send(socket);
        }
    }

    // ---- the reader thread: connect and re-subscribe, read and deliver, reconnect ----

    private void Run()
    {
        var connectedBefore = false;
        while (RedisFastConnection.OpenWithBackoff(_options, ClientName, _stopping, OnConnectFailed) is { } socket)
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            if (connectedBefore)
            {
                Interlocked.Increment(ref _reconnects);
                Log.Reconnected(_logger, "redis_sub_reconnected");
            }

            // Watched before anything is sent on it (edge-triggered): the first acknowledgement is an edge the loop sees.
            var loopReads = _options.ReadOnLoop ? RespLoopReader.TryStart(socket, _receive, _takeAll, "The Redis subscription connection ended") : null;
            _loopReads = loopReads;
            bool gapDue;
            bool restored;
            lock (_lock)
            {
                _socket = socket;
                _attempted = true;
                _lastHeard = Stopwatch.GetTimestamp();

                // A room whose caller stopped waiting (asked for while down) may have missed messages: a gap is due.
                gapDue = connectedBefore;
                _writer.Reset();
                foreach (var sub in _rooms.Values)
                {
                    gapDue |= sub.Waiter is null || sub.Waiter.Task.IsCompleted;
                    _writer.WriteArrayHeader(2);
                    _writer.WriteBulk("SUBSCRIBE"u8);
                    _writer.WriteBulk(sub.Channel);
                    _replies.Enqueue(new PendingReply(sub, Subscribe: true, Stopwatch.GetTimestamp()));
                }

                _gapDue = gapDue;
                _resubscribing = _rooms.Count;
                if (_resubscribing > 0)
                {
                    Send(socket);
                }

                restored = _resubscribing == 0;
            }

            if (restored)
            {
                Restored(gapDue);
            }

            connectedBefore = true;
            Exception error;
            try
            {
                error = loopReads is null ? ReadPushes(socket) : loopReads.WaitForEnd(_givesUp) ?? GaveUp();
            }
            catch (Exception ex)
            {
                // Never lose the reader thread: drop and reconnect.
                Log.ReaderFailed(_logger, "redis_sub_reader_failed", ex);
                error = ex;
            }

            Drop(socket, error);
        }
    }

    // Whoever waits for the first attempt stops waiting.
    private void OnConnectFailed(Exception ex, bool firstOfOutage)
    {
        CompleteWaiters(attempted: true);
        if (firstOfOutage)
        {
            Log.ConnectFailed(_logger, "redis_sub_connect_failed", _options.Host, _options.Port, ex.GetType().Name);
        }
    }

    private void Restored(bool gapDue)
    {
        _live = true;
        if (gapDue)
        {
            ReportGap();
        }
    }

    private void ReportGap()
    {
        try
        {
            _onGap();
        }
        catch (Exception ex)
        {
            ListenerFailed(ex);
        }
    }

    // A listener bug must not stop the node's bus.
    private void ListenerFailed(Exception ex)
    {
        Interlocked.Increment(ref _listenerFailures);
        Log.ListenerFailed(_logger, "redis_sub_listener_failed", ex);
    }

    /// <summary>Receives and handles pushes until the socket ends, breaks the protocol, or an awaited reply is late.</summary>
    private Exception ReadPushes(Socket socket)
    {
        var buffer = _receive;
        buffer.Clear();
        while (true)
        {
            // The messages of one receive that are delivered inline leave as one batch: a member of a room with several of
            // them gets them in one send (WriteBatch, EngineIOSession).
            Exception? failure;
            using (WriteBatch.Begin())
            {
                failure = TakeAll(buffer);
            }

            if (failure is not null)
            {
                return failure;
            }

            if (!buffer.Fill(socket, _givesUp, out var error))
            {
                return error != SocketError.Success ? new SocketException((int)error) : GaveUp();
            }
        }
    }

    // Why the reader stopped waiting: disposed, or an awaited reply is late.
    private Exception GaveUp() => _disposed
        ? new ObjectDisposedException(nameof(RedisFastSubscriber))
        : new TimeoutException($"No SUBSCRIBE reply from Redis within {_options.OperationTimeoutMs} ms.");

    // Handles every whole reply buffered; the reason to end the connection when one breaks the protocol.
    private Exception? TakeAll(RespReceiveBuffer buffer)
    {
        OperationStatus status;
        while ((status = buffer.TryTake(out var reply)) == OperationStatus.Done)
        {
            if (!Handle(reply, _gapDue, burst: buffer.MayHaveMore || buffer.HasWholeReplies(RedisFastConnection.BurstReplies)))
            {
                return new InvalidDataException("Redis sent a reply the subscription connection did not expect.");
            }
        }

        return status == OperationStatus.InvalidData ? new InvalidDataException("Redis sent a reply that is not RESP2.") : null;
    }

    /// <summary>One complete reply: a message is delivered, a (un)subscribe acknowledgement settles the oldest awaited reply.</summary>
    private bool Handle(ReadOnlyMemory<byte> reply, bool gapDue, bool burst)
    {
        var span = reply.Span;
        Volatile.Write(ref _lastHeard, Stopwatch.GetTimestamp());
        if (span[0] == '-')
        {
            // An error answers the oldest command (e.g. an ACL refusing the channel): that room stays unsubscribed.
            Log.CommandRefused(_logger, "redis_sub_refused", System.Text.Encoding.UTF8.GetString(span.TrimEnd("\r\n"u8)));
            return Settle(subscribe: null, default, gapDue);
        }

        Span<Range> items = stackalloc Range[3];
        if (!RespReplyParser.TryReadFlatArray(span, items, out var count) || count < 2)
        {
            // +PONG: the keepalive's answer while no channel is subscribed.
            return span[0] == '+' && SettlePing();
        }

        var kind = span[items[0]];
        if (count == 2 && kind.SequenceEqual("pong"u8))
        {
            return SettlePing();
        }

        if (count == 3 && kind.SequenceEqual("message"u8))
        {
            Deliver(span[items[1]], reply[items[2]], burst);
            return true;
        }

        if (count == 3 && kind.SequenceEqual("subscribe"u8))
        {
            return Settle(subscribe: true, span[items[1]], gapDue);
        }

        if (count == 3 && kind.SequenceEqual("unsubscribe"u8))
        {
            return Settle(subscribe: false, span[items[1]], gapDue);
        }

        return true; // a push kind this connection never asks for
    }

    // The keepalive PING's answer: it must be the oldest awaited reply.
    private bool SettlePing()
    {
        lock (_lock)
        {
            if (!_replies.TryDequeue(out var awaited) || awaited.Sub is not null)
            {
                return false;
            }

            _pingAwaited = false;
            return true;
        }
    }

    private void Deliver(ReadOnlySpan<byte> channel, ReadOnlyMemory<byte> payload, bool burst)
    {
        // This node's own publications come back from Redis on every update of every room it holds: they stop here.
        if (RoomBusCodec.IsFrom(payload.Span, _nodeId)
            || !channel.StartsWith(_channelPrefix)
            || !RoomCode.TryParse(channel[_channelPrefix.Length..], channel.Length - _channelPrefix.Length, out var room))
        {
            return;
        }

        lock (_lock)
        {
            if (!_rooms.ContainsKey(room))
            {
                return; // unsubscribed: its UNSUBSCRIBE is on its way
            }
        }

        var lane = _lanes[(int)((uint)room.GetHashCode() % (uint)_lanes.Length)];
        if (!burst && lane.IsIdle)
        {
            try
            {
                _onMessage(room, payload);
            }
            catch (Exception ex)
            {
                ListenerFailed(ex);
            }
        }
        else if (!lane.TryEnqueue(room, payload.Span))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    // The reply to the oldest command sent on this socket (null subscribe: an error reply).
    private bool Settle(bool? subscribe, ReadOnlySpan<byte> channel, bool gapDue)
    {
        TaskCompletionSource? waiter = null;
        bool restored;
        lock (_lock)
        {
            if (!_replies.TryDequeue(out var awaited)
                || (subscribe is { } s && (awaited.Sub is null || s != awaited.Subscribe || !channel.SequenceEqual(awaited.Sub.Channel))))
            {
                return false;
            }

            if (awaited.Sub is null)
            {
                _pingAwaited = false; // an error answered the keepalive
            }

            if (awaited is { Subscribe: true, Sub: { } sub } && _rooms.TryGetValue(sub.Room, out var current) && current == sub)
            {
                current.Live = subscribe == true;
                waiter = current.Waiter;
            }

            restored = _resubscribing > 0 && --_resubscribing == 0;
        }

        waiter?.TrySetResult();
        if (restored)
        {
            Restored(gapDue);
        }

        return true;
    }

    private bool OldestIsLate()
    {
        lock (_lock)
        {
            return _replies.TryPeek(out var oldest) && Stopwatch.GetTimestamp() - oldest.SentAt > _timeoutTicks;
        }
    }

    private void Drop(Socket socket, Exception error)
    {
        _live = false;
        lock (_lock)
        {
            _socket = null;
            _replies.Clear();
            _pingAwaited = false;
            _resubscribing = 0;
            foreach (var sub in _rooms.Values)
            {
                sub.Live = false;
            }
        }

        socket.Dispose();
        CompleteWaiters(attempted: false);
        if (!_disposed)
        {
            Log.Dropped(_logger, "redis_sub_dropped", error.GetType().Name);
        }
    }

    // Every waiting Subscribe's attempt has failed (down, or the first connection attempt failed).
    private void CompleteWaiters(bool attempted)
    {
        List<TaskCompletionSource>? waiters = null;
        lock (_lock)
        {
            _attempted |= attempted;
            foreach (var sub in _rooms.Values)
            {
                if (sub.Waiter is { Task.IsCompleted: false } waiter)
                {
                    (waiters ??= []).Add(waiter);
                }
            }
        }

        waiters?.ForEach(w => w.TrySetResult());
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _live = false;
        _stopping.Set();
        lock (_lock)
        {
            // Under the lock: Drop disposes a socket only after taking it away from here.
            if (_socket is { } socket)
            {
                RedisFastConnection.Fault(socket);
            }
        }

        CompleteWaiters(attempted: true);
        if (_reader.IsAlive && Thread.CurrentThread != _reader)
        {
            _reader.Join(TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>One wanted room: its channel, whether its SUBSCRIBE was acknowledged on the current socket, who awaits that.</summary>
    private sealed class Subscription(RoomCode room, byte[] channel)
    {
        public RoomCode Room => room;

        public byte[] Channel => channel;

        public bool Live { get; set; }

        public TaskCompletionSource? Waiter { get; set; }
    }

    /// <summary>A command sent on the current socket whose reply has not come yet.</summary>
    /// <summary>An awaited reply: a (un)SUBSCRIBE's of <paramref name="Sub"/>, or the keepalive PING's when it is null.</summary>
    private readonly record struct PendingReply(Subscription? Sub, bool Subscribe, long SentAt);

    private static partial class Log
    {
        [LoggerMessage(220, LogLevel.Warning, "{event}: cannot reach Redis at {host}:{port} ({errorType}); room subscriptions wait for the reconnection")]
        public static partial void ConnectFailed(ILogger logger, string @event, string host, int port, string errorType);

        [LoggerMessage(221, LogLevel.Information, "{event}: subscription connection restored, re-subscribing every room")]
        public static partial void Reconnected(ILogger logger, string @event);

        [LoggerMessage(222, LogLevel.Warning, "{event}: subscription connection lost ({errorType}); reconnecting")]
        public static partial void Dropped(ILogger logger, string @event, string errorType);

        [LoggerMessage(223, LogLevel.Error, "{event}: the room bus listener failed on the subscription reader thread")]
        public static partial void ListenerFailed(ILogger logger, string @event, Exception exception);

        [LoggerMessage(224, LogLevel.Error, "{event}: unexpected error on the subscription connection's reader thread")]
        public static partial void ReaderFailed(ILogger logger, string @event, Exception exception);

        [LoggerMessage(225, LogLevel.Warning, "{event}: Redis refused a subscription command: {error}")]
        public static partial void CommandRefused(ILogger logger, string @event, string error);
    }
}
