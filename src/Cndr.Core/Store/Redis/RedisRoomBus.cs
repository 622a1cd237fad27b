using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// <see cref="IRoomBus"/> over Redis pub/sub: channel <c>room:updates:&lt;code&gt;</c>, subscribed while this node has local
/// connections in the room.
/// </summary>
/// <remarks>
/// <para><b>Connection.</b> The bus uses the shared multiplexer's subscriber. Under RESP2 that is a dedicated socket per server
/// (SUBSCRIBE puts a connection in pub/sub mode), separate from the interactive one the store pipelines on, so a burst of bus
/// traffic never delays store replies and vice versa, without a second multiplexer (one reconnect policy, one set of
/// sockets). The multiplexer re-issues every registered subscription after a reconnect; subscriptions whose SUBSCRIBE failed
/// while Redis was down are retried when the subscription connection is restored.</para>
/// <para><b>Threads.</b> Each room subscription is an ordered <see cref="ChannelMessageQueue"/>: the library appends messages in
/// arrival order on its reader thread, and the queue's own loop (one thread-pool work item at a time per room) decodes each
/// and calls <see cref="IRoomBusListener.OnBusMessage"/>. So no relay work runs on a Redis thread, a room's messages keep
/// their order, and a message takes one thread hand-off from the Redis reader to the sends. (The library's handler form,
/// <c>Subscribe(channel, Action)</c>, queues every message as its own thread-pool work item: no order, so not used.) The
/// library's queue is unbounded: when a room's backlog reaches the capacity, its messages are dropped and counted until it
/// is back under, and the listener is told of the gap once a backlog is empty (best-effort delivery, PROTOCOL §7).</para>
/// <para><b>Own subscriber.</b> On a standalone Redis with the fast path (<see cref="RedisConnection.FastSubscriber"/>) the
/// bus subscribes on <see cref="RedisFastSubscriber"/> instead: its one reader thread decodes each message and calls the
/// listener inline — one wake-up per message instead of two — and hands messages to per-room-group lanes on the thread pool
/// only in a burst; order per room holds either way. The capacity then bounds each lane (dropped, counted, gap once
/// drained); a disconnection (CLIENT KILL, restart, Redis's pub/sub output-buffer limit) re-subscribes every room and
/// reports a gap. The listener must not wait on Redis.</para>
/// </remarks>
public sealed partial class RedisRoomBus : IRoomBus, IAsyncDisposable
{
    /// <summary>Default backlog of one room's incoming messages beyond which they are dropped.</summary>
    public const int DefaultQueueCapacity = 8192;

    private static readonly long s_logIntervalTicks = Stopwatch.Frequency * 5;

    private readonly RedisConnection _connection;
    private readonly ISubscriber _subscriber;
    private readonly RedisKeys _keys;
    private readonly ILogger _logger;
    private readonly byte[] _nodeIdUtf8;
    private readonly int _backlogLimit;
    private readonly Dictionary<RoomCode, RoomSubscription> _subscriptions = [];
    private readonly Lock _gate = new();
    private readonly RedisFastSubscriber? _fast;
    private IRoomBusListener? _listener;
    private long _dropped;
    private long _publishFailures;
    private long _malformed;
    private long _lastLog;
    private int _gap;
    private int _subscriptionsLive = 1;
    private int _subscriptionFailures;
    private bool _disposed;

    /// <summary>The bus of node <paramref name="nodeId"/> over the process's shared connection (which stays owned by the caller).</summary>
    public RedisRoomBus(RedisConnection connection, string nodeId, int queueCapacity = DefaultQueueCapacity)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        _nodeIdUtf8 = RoomBusCodec.NodeId(nodeId);

        NodeId = nodeId;
        _connection = connection;
        _subscriber = connection.Subscriber;
        _keys = connection.Keys;
        _logger = connection.Logger;
        _backlogLimit = queueCapacity;
        if (connection.FastSubscriber)
        {
            _fast = new RedisFastSubscriber(connection.Options, _logger, _keys.UpdatesChannelPrefix, _nodeIdUtf8, Dispatch, ReportGap, queueCapacity);
            _fast.Start();
            return;
        }

        _connection.Restored += OnRestored;
        _connection.Failed += OnFailed;
        if (_keys.IsCluster)
        {
            _connection.Multiplexer.HashSlotMoved += OnHashSlotMoved;
        }
    }

    /// <inheritdoc />
    public string NodeId { get; }

    /// <summary>Incoming messages dropped because their room's backlog (on <see cref="RedisFastSubscriber"/>: its lane) was full.</summary>
    public long DroppedCount => _fast?.DroppedCount ?? Interlocked.Read(ref _dropped);

    /// <summary>Publications that could not be handed to Redis (disconnected).</summary>
    public long PublishFailureCount => Interlocked.Read(ref _publishFailures);

    /// <summary>Number of rooms currently subscribed (or being subscribed).</summary>
    public int SubscriptionCount
    {
        get
        {
            if (_fast is not null)
            {
                return _fast.Count;
            }

            lock (_gate)
            {
                return _subscriptions.Count;
            }
        }
    }

    /// <summary>Whether this bus subscribes on its own <see cref="RedisFastSubscriber"/> (else on StackExchange.Redis).</summary>
    internal bool UsesFastSubscriber => _fast is not null;

    /// <summary>The fast subscriber's socket descriptor while connected, else -1 (tests).</summary>
    internal int FastSubscriberDescriptor => _fast?.SocketDescriptor ?? -1;

    /// <inheritdoc />
    public void Attach(IRoomBusListener listener) => _listener = listener;

    /// <inheritdoc />
    public Task Subscribe(RoomCode room)
    {
        if (_fast is not null)
        {
            return _fast.Subscribe(room, (byte[])_keys.For(room).Updates!);
        }

        RoomSubscription sub;
        lock (_gate)
        {
            if (_disposed || _subscriptions.ContainsKey(room))
            {
                return Task.CompletedTask;
            }

            sub = new RoomSubscription(this, room);
            _subscriptions.Add(room, sub);
        }

        return sub.StartAsync();
    }

    /// <inheritdoc />
    public void Unsubscribe(RoomCode room)
    {
        if (_fast is not null)
        {
            _fast.Unsubscribe(room);
            return;
        }

        RoomSubscription? sub;
        lock (_gate)
        {
            if (!_subscriptions.Remove(room, out sub))
            {
                return;
            }
        }

        sub.Stop();
    }

    /// <summary>True once the SUBSCRIBE for <paramref name="room"/> has been acknowledged (for tests and diagnostics).</summary>
    public bool IsSubscribed(RoomCode room)
    {
        if (_fast is not null)
        {
            return _fast.IsSubscribed(room);
        }

        lock (_gate)
        {
            return _subscriptions.TryGetValue(room, out var sub) && sub.IsActive;
        }
    }

    /// <inheritdoc />
    public void Publish(RoomCode room, in RoomBusMessage message)
    {
        try
        {
            var payload = RoomBusCodec.Encode(_nodeIdUtf8, message);
            var channel = _keys.For(room).Updates;

            // On the store's fast connection when it is up (standalone only): in order with the state write before it,
            // and no second socket's writer and reader woken per update; else fire-and-forget on the multiplexer.
            if (_connection.Fast is { } fast && fast.TryPublish((byte[])channel!, payload))
            {
                return;
            }

            _ = _subscriber.PublishAsync(channel, payload, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _publishFailures);
            LogThrottled(LogLevel.Warning, "Room bus publish failed ({ErrorType}); {Count} failed so far", ex.GetType().Name, Interlocked.Read(ref _publishFailures));
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The one subscriber counted is this node only while its subscription to the room is acknowledged and the subscription
    /// connection has not failed since (after a failure: until the re-issued SUBSCRIBEs were processed). In between, every
    /// publication goes out. Left: a connection Redis dropped before this node's socket noticed (milliseconds, and the
    /// node resyncs itself on the reconnect) — in that window another node's newest subscription may be the one counted.
    /// </remarks>
    public bool NeedsPublish(RoomCode room, int channelSubscribers) => channelSubscribers switch
    {
        < 0 or > 1 => true,
        0 => false,
        _ => !HearsItself(room),
    };

    /// <inheritdoc />
    public bool HearsItself(RoomCode room) => SubscriptionsLive && IsSubscribed(room);

    // Whether the subscription connection has not failed since the last re-subscription: on RedisFastSubscriber, false from
    // the moment its socket fails until every re-SUBSCRIBE was acknowledged.
    private bool SubscriptionsLive => _fast?.IsLive ?? Volatile.Read(ref _subscriptionsLive) == 1;

    private void Receive(RoomCode room, ChannelMessageQueue queue, in ChannelMessage message)
    {
        // Runs on the room queue's loop (the library gave us its own array). This node's own publications come back from
        // Redis on every update of every room it holds: they stop here.
        var payload = (ReadOnlyMemory<byte>)message.Message;
        if (!RoomBusCodec.IsFrom(payload.Span, _nodeIdUtf8))
        {
            if (queue.TryGetCount(out var backlog) && backlog >= _backlogLimit)
            {
                Volatile.Write(ref _gap, 1);
                Interlocked.Increment(ref _dropped);
                LogThrottled(LogLevel.Warning, "Room bus backlog full: dropped {Count} incoming messages so far", "drop", Interlocked.Read(ref _dropped));
            }
            else
            {
                Dispatch(room, payload);
            }
        }

        // A drop is reported once a backlog has been worked off (the resync then reads what is current).
        if (Volatile.Read(ref _gap) == 1 && (!queue.TryGetCount(out var left) || left == 0) && Interlocked.Exchange(ref _gap, 0) == 1)
        {
            ReportGap();
        }
    }

    private void Dispatch(RoomCode room, ReadOnlyMemory<byte> payload)
    {
        if (!RoomBusCodec.TryDecode(payload, out _, out var message))
        {
            Interlocked.Increment(ref _malformed);
            LogThrottled(LogLevel.Warning, "Ignored a malformed room bus message ({Reason}); {Count} so far", "envelope", Interlocked.Read(ref _malformed));
            return;
        }

        try
        {
            _listener?.OnBusMessage(room, message);
        }
        catch (Exception ex)
        {
            // A listener bug must not stop the node's bus.
            _logger.LogError(ex, "Room bus listener failed");
        }
    }

    private void ReportGap()
    {
        try
        {
            _listener?.OnBusGap();
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Room bus listener failed");
        }
    }

    private async Task ReportGapWhenResubscribedAsync()
    {
        // The subscriptions count as live again once a PING on the subscription connection came back after the re-issued
        // SUBSCRIBEs — unless the connection failed again meanwhile. A PING that fails or times out is retried (bounded): a
        // failure of the connection itself starts over with its own restore.
        var failures = Volatile.Read(ref _subscriptionFailures);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _subscriber.PingAsync().ConfigureAwait(false);
                lock (_gate)
                {
                    if (failures == _subscriptionFailures)
                    {
                        _subscriptionsLive = 1;
                    }
                }

                break;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                if (attempt == 10 || failures != Volatile.Read(ref _subscriptionFailures) || _disposed)
                {
                    break;
                }

                await Task.Delay(100 * attempt).ConfigureAwait(false);
            }
        }

        ReportGap();
    }

    private void OnFailed(ConnectionType type)
    {
        if (type == ConnectionType.Subscription)
        {
            lock (_gate)
            {
                _subscriptionFailures++;
                _subscriptionsLive = 0;
            }
        }
    }

    private void OnRestored(ConnectionType type)
    {
        if (type != ConnectionType.Subscription)
        {
            return;
        }

        // Whatever was published while the subscription was down is gone: the listener re-reads (off the Redis thread),
        // once a PING on the subscription connection came back, i.e. after the re-issued SUBSCRIBEs were processed.
        _ = Task.Run(ReportGapWhenResubscribedAsync);

        List<RoomSubscription>? retry = null;
        lock (_gate)
        {
            foreach (var sub in _subscriptions.Values)
            {
                if (sub.NeedsRetry)
                {
                    (retry ??= []).Add(sub);
                }
            }
        }

        if (retry is not null)
        {
            _ = Task.Run(async () =>
            {
                foreach (var sub in retry)
                {
                    await sub.StartAsync();
                }
            });
        }
    }

    private async Task RetryLaterAsync(RoomSubscription sub)
    {
        // One pending retry per failed subscription (not per connection), backing off while Redis is down; it ends when
        // the subscription is stopped, replaced or started by someone else.
        var delayMs = 250;
        while (true)
        {
            await Task.Delay(delayMs).ConfigureAwait(false);
            if (!IsCurrent(sub) || !sub.NeedsRetry)
            {
                return;
            }

            if (_connection.IsConnected)
            {
                await sub.StartAsync().ConfigureAwait(false);
                return;
            }

            delayMs = Math.Min(delayMs * 2, 2000);
        }
    }

    private bool IsCurrent(RoomSubscription sub)
    {
        lock (_gate)
        {
            return _subscriptions.TryGetValue(sub.Room, out var current) && current == sub;
        }
    }

    private void LogThrottled(LogLevel level, string message, string arg0, long arg1)
    {
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastLog);
        if (now - last > s_logIntervalTicks && Interlocked.CompareExchange(ref _lastLog, now, last) == last)
        {
#pragma warning disable CA2254 // The templates are constants chosen by the callers above.
            _logger.Log(level, message, arg0, arg1);
#pragma warning restore CA2254
        }
    }

    /// <summary>Unsubscribes every room (the connection stays open: it is owned by the caller).</summary>
    public ValueTask DisposeAsync()
    {
        RoomSubscription[] subs;
        lock (_gate)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            subs = [.. _subscriptions.Values];
            _subscriptions.Clear();
        }

        _fast?.Dispose();
        _connection.Restored -= OnRestored;
        _connection.Failed -= OnFailed;
        _connection.Multiplexer.HashSlotMoved -= OnHashSlotMoved;
        foreach (var sub in subs)
        {
            sub.Stop();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>One room's subscription: SUBSCRIBE → ordered queue → the listener; stop → UNSUBSCRIBE of this queue only.</summary>
    private sealed class RoomSubscription(RedisRoomBus bus, RoomCode room)
    {
        private readonly Lock _lock = new();
        private readonly RedisChannel _channel = bus._keys.For(room).Updates;
        private ChannelMessageQueue? _queue;
        private bool _starting;
        private bool _stopped;
        private bool _failed;

        public RoomCode Room => room;

        public bool IsActive
        {
            get
            {
                lock (_lock)
                {
                    return _queue is not null && !_stopped;
                }
            }
        }

        public bool NeedsRetry
        {
            get
            {
                lock (_lock)
                {
                    return _failed && !_stopped && !_starting;
                }
            }
        }

        public async Task StartAsync()
        {
            lock (_lock)
            {
                if (_stopped || _starting || _queue is not null)
                {
                    return;
                }

                _starting = true;
                _failed = false;
            }

            ChannelMessageQueue queue;
            try
            {
                queue = await bus._subscriber.SubscribeAsync(_channel);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                lock (_lock)
                {
                    _starting = false;
                    _failed = true;
                }

                bus.LogThrottled(LogLevel.Warning, "Room bus SUBSCRIBE failed ({ErrorType}); retrying after the reconnect ({Count})", ex.GetType().Name, 1);

                // The library registered the queue before the SUBSCRIBE failed: remove it (it would be re-subscribed on
                // reconnect and never read). Only while this is still the room's subscription: a newer one shares the channel.
                if (bus.IsCurrent(this))
                {
                    await SafeUnsubscribeChannelAsync();
                }

                // The reconnect may already have happened while this SUBSCRIBE was in flight (OnRestored then saw it
                // as starting and skipped it), or happen before the connection reports itself up: retry on our own
                // until the connection is up (OnRestored may retry first; StartAsync runs one attempt at a time).
                _ = bus.RetryLaterAsync(this);

                return;
            }

            bool stop;
            lock (_lock)
            {
                _starting = false;
                _queue = queue;
                stop = _stopped;
            }

            if (stop)
            {
                await SafeUnsubscribeAsync(queue);
                return;
            }

            queue.OnMessage(m => bus.Receive(room, queue, m));
        }

        public void Stop()
        {
            ChannelMessageQueue? queue;
            lock (_lock)
            {
                _stopped = true;
                queue = _queue;
            }

            if (queue is not null)
            {
                _ = SafeUnsubscribeAsync(queue);
            }
        }

        private async Task SafeUnsubscribeAsync(ChannelMessageQueue queue)
        {
            try
            {
                await queue.UnsubscribeAsync();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                // Disconnected: the server forgot the subscription with the connection, and the library no longer re-issues it.
            }
        }

        private async Task SafeUnsubscribeChannelAsync()
        {
            try
            {
                await bus._subscriber.UnsubscribeAsync(_channel);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                // As above.
            }
        }
    }
}
