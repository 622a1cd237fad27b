using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Cndr.Transport.Internal;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// A minimal pipelined RESP2 connection to a standalone Redis for the store's script calls (EVALSHA), beside the
/// StackExchange.Redis multiplexer. Its point is the reply path: one dedicated reader thread receives, parses replies FIFO and
/// completes each call's <see cref="RedisFastOperation"/> inline, so the code after <c>await store.SetGameStateAsync</c>
/// (the deliveries) runs on that thread with no hop through the thread pool — at a calm rate; in a burst of replies all but
/// the last continue on the thread pool, so one thread does not cap the node's throughput. Writes are combined: the calling thread
/// appends its command under the lock and, unless another thread is already sending, sends the buffer itself with a
/// non-blocking send; commands appended meanwhile go out in that thread's next send; a short write leaves the rest to one
/// asynchronous send. Where the transport's epoll loop runs, the replies are received and completed there instead
/// (<see cref="RespLoopReader"/>, the default): in the same wake-up as the client sockets' input, with no second thread
/// to wake per reply; the reader thread then only connects, notices a late reply, and reconnects.
/// </summary>
/// <remarks>
/// Bounded: at most <see cref="MaxInFlight"/> calls await replies; beyond that a call fails at once as store-unavailable.
/// While disconnected, <see cref="TryEval"/> answers false and the store uses StackExchange.Redis. A dropped socket fails
/// every pending call (store-unavailable) and the reader thread reconnects with backoff; a reply older than the operation
/// timeout fails every pending call and resets the connection (the reader thread checks the oldest call while it waits).
/// NOSCRIPT (server restart, SCRIPT FLUSH) re-sends the call once as EVAL with the script text, which also loads it.
/// </remarks>
internal sealed partial class RedisFastConnection : IDisposable, IDeferredFlush
{
    /// <summary>Calls awaiting a reply, at most.</summary>
    public const int MaxInFlight = 16_384;

    /// <summary>The name of the reader thread (where replies' continuations run).</summary>
    public const string ReaderThreadName = "cndr-redis-reader";

    /// <summary>Where the current connection's replies are completed (and what follows them runs): an epoll loop's thread, or the reader thread.</summary>
    internal string ReplyThreadName => _loopReads?.ThreadName ?? ReaderThreadName;

    /// <summary>How long a reader or a pushed-back sender waits in one poll of its socket.</summary>
    internal const int PollMicroseconds = 100_000;

    private const int MinBackoffMs = 250;
    private const int MaxBackoffMs = 5000;
    private const int ReceiveBufferSize = 64 * 1024;

    /// <summary>
    /// Whole replies buffered behind one that make it part of a burst (its continuation then goes to the thread pool);
    /// CNDR_REDIS_BURST_REPLIES overrides it for A/B runs.
    /// </summary>
    internal static readonly int BurstReplies =
        int.TryParse(Environment.GetEnvironmentVariable("CNDR_REDIS_BURST_REPLIES"), out var n) && n > 0 ? n : 4;

    private readonly RedisStoreOptions _options;
    private readonly ILogger _logger;
    private readonly long _timeoutTicks;
    private readonly object _lock = new();
    private readonly Queue<RedisFastOperation> _pending = new();
    private readonly Thread _reader;
    private readonly ManualResetEventSlim _stopping = new(false);
    private readonly RespReceiveBuffer _receive = new(ReceiveBufferSize);
    private readonly Func<bool> _givesUp;
    private readonly Func<RespReceiveBuffer, Exception?> _takeAll;

    // The current connection's reads on the epoll loop (null: read on the reader thread, or not connected).
    private volatile RespLoopReader? _loopReads;
    private readonly TaskCompletionSource<bool> _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Guarded by _lock: the live socket (null while disconnected), its generation (bumped on every connect and drop, so a
    // flusher of an old socket stops), the buffer being appended to, the one being sent, and whether a flusher is running.
    private Socket? _socket;
    private int _generation;
    private RespWriter _writer = new();
    private RespWriter _sending = new();
    private bool _flushing;

    // Under _lock: a WriteBatch of some thread will flush what was appended (it registered this connection once).
    private bool _deferred;

    private volatile bool _disposed;
    private long _noScriptRetries;
    private long _reconnects;

    public RedisFastConnection(RedisStoreOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _timeoutTicks = Stopwatch.Frequency * Math.Max(1, options.OperationTimeoutMs) / 1000;
        _reader = new Thread(Run) { IsBackground = true, Name = ReaderThreadName };
        _givesUp = () => _disposed || OldestIsLate();
        _takeAll = TakeAll;
    }

    /// <summary>Whether <paramref name="options"/> allow the fast path: asked for, one standalone server, no TLS, no Sentinel, no cluster.</summary>
    public static bool Supports(RedisStoreOptions options) =>
        options.FastPath && !options.UseTls && !options.Cluster && string.IsNullOrEmpty(options.SentinelServiceName)
        && (string.IsNullOrWhiteSpace(options.Endpoints) || !options.Endpoints.Contains(','));

    /// <summary>The CLIENT SETNAME of this connection (the multiplexer's name with a suffix).</summary>
    public string ClientName => _options.ClientName + "-fast";

    public bool IsConnected
    {
        get
        {
            lock (_lock)
            {
                return _socket is not null;
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
                return DescriptorOf(_socket);
            }
        }
    }

    /// <summary>A socket's file descriptor, or -1 without one (shared with <see cref="RedisFastSubscriber"/>).</summary>
    internal static int DescriptorOf(Socket? socket) => socket is null ? -1 : (int)socket.SafeHandle.DangerousGetHandle();

    /// <summary>Calls re-sent as EVAL after NOSCRIPT.</summary>
    public long NoScriptRetryCount => Interlocked.Read(ref _noScriptRetries);

    /// <summary>Connections made after the first (drops and timeouts recovered).</summary>
    public long ReconnectCount => Interlocked.Read(ref _reconnects);

    /// <summary>Starts the reader thread; the task ends after the first connection attempt (true: connected).</summary>
    public Task<bool> StartAsync()
    {
        _reader.Start();
        return _firstAttempt.Task;
    }

    /// <summary>
    /// EVALSHA of <paramref name="script"/> on this connection; false while it is disconnected (the caller uses
    /// StackExchange.Redis). The returned task must be awaited exactly once.
    /// </summary>
    public bool TryEval(RedisScript script, RedisKey[] keys, RedisValue[] args, out ValueTask<RedisResult> task)
    {
        var op = RedisFastOperation.Rent(script, keys, args, fireAndForget: false);
        switch (TryEnqueue(op))
        {
            case EnqueueResult.Queued:
                task = op.Task;
                return true;
            case EnqueueResult.Overloaded:
                task = op.Task;
                op.Fail(ConnectionError(ConnectionFailureType.UnableToConnect, $"More than {MaxInFlight} Redis calls in flight."));
                return true;
            default:
                op.Discard();
                task = default;
                return false;
        }
    }

    /// <summary>EVALSHA whose reply is dropped, ordered with every other call of this connection; false while disconnected.</summary>
    public bool TrySend(RedisScript script, RedisKey[] keys, RedisValue[] args)
    {
        var op = RedisFastOperation.Rent(script, keys, args, fireAndForget: true);
        var outcome = TryEnqueue(op);
        if (outcome != EnqueueResult.Queued)
        {
            op.Discard();
        }

        return outcome != EnqueueResult.Disconnected;
    }

    /// <summary>
    /// Fire-and-forget PUBLISH (the room bus), in order with this connection's script calls (a state write and its
    /// publication leave in the order they were made); false while disconnected.
    /// </summary>
    public bool TryPublish(byte[] channel, RedisValue message) =>
        TryWriteWithoutReply((channel, message), static (writer, c) => writer.WritePublish(c.channel, c.message));

    /// <summary>
    /// Sends <c>SADD key member</c> without a reply (as <see cref="TryPublish"/>): for a set entry nobody waits for, such as
    /// the join's note in <c>nodes:rooms:&lt;node&gt;</c>. A plain command, so no NOSCRIPT can be lost with the skipped reply.
    /// False when disconnected (the caller then sends it elsewhere).
    /// </summary>
    public bool TrySetAddWithoutReply(RedisKey key, RedisValue member) =>
        TryWriteWithoutReply((key, member), static (writer, c) => writer.WriteSetAdd(c.key, c.member));

    // Appends CLIENT REPLY SKIP and one command: the server answers neither, so nothing waits in the queue and the reader is
    // not woken for it. Dropped when the connection is overloaded, like any best-effort write; false only when disconnected.
    private bool TryWriteWithoutReply<TState>(TState state, Action<RespWriter, TState> write)
    {
        int generation;
        lock (_lock)
        {
            if (_socket is null)
            {
                return false;
            }

            if (_pending.Count >= MaxInFlight)
            {
                return true;
            }

            _writer.WriteClientReplySkip();
            write(_writer, state);
            if (!TryBeginFlush(out generation))
            {
                return true;
            }
        }

        Flush(generation);
        return true;
    }

    /// <inheritdoc />
    public void FlushDeferred()
    {
        int generation;
        lock (_lock)
        {
            _deferred = false;
            if (_socket is null || !TryBeginFlush(out generation))
            {
                return;
            }
        }

        Flush(generation);
    }

    private enum EnqueueResult
    {
        Queued,
        Disconnected,
        Overloaded,
    }

    private EnqueueResult TryEnqueue(RedisFastOperation op)
    {
        int generation;
        lock (_lock)
        {
            if (_socket is null)
            {
                return EnqueueResult.Disconnected;
            }

            if (_pending.Count >= MaxInFlight)
            {
                return EnqueueResult.Overloaded;
            }

            _writer.WriteEval(op.Script, op.SentAsText, op.Keys, op.Args);
            op.QueuedAt = Stopwatch.GetTimestamp();
            _pending.Enqueue(op);
            if (!TryBeginFlush(out generation))
            {
                return EnqueueResult.Queued;
            }
        }

        Flush(generation);
        return EnqueueResult.Queued;
    }

    // Under the lock, after appending: true when this caller is to send (then outside the lock); false when the running
    // flusher sends what was appended with its next batch, or when the caller's thread is in a WriteBatch (its end sends
    // this with whatever else the batch writes: one send, one wake-up of Redis, for the commands of many inputs).
    private bool TryBeginFlush(out int generation)
    {
        generation = _generation;
        if (_flushing)
        {
            return false;
        }

        if (WriteBatch.IsOpen)
        {
            if (!_deferred)
            {
                _deferred = true;
                WriteBatch.Defer(this);
            }

            return false;
        }

        _flushing = true;
        return true;
    }

    /// <summary>Sends what was appended, batch after batch, until nothing is left; hands a short write to <see cref="FlushRest"/>.</summary>
    private void Flush(int generation)
    {
        while (true)
        {
            Socket socket;
            RespWriter batch;
            lock (_lock)
            {
                if (_generation != generation || _socket is null)
                {
                    return; // dropped meanwhile: the drop reset the buffers and the flag
                }

                if (_writer.Length == 0)
                {
                    _flushing = false;
                    return;
                }

                batch = _writer;
                _writer = _sending;
                _sending = batch;
                socket = _socket;
            }

            var bytes = batch.Written;
            var sent = 0;
            while (sent < bytes.Length)
            {
                var n = socket.Send(bytes.Span[sent..], SocketFlags.None, out var error);
                if (error == SocketError.Success)
                {
                    sent += n;
                }
                else if (error == SocketError.WouldBlock)
                {
                    FlushRest(generation, socket, batch, sent);
                    return;
                }
                else
                {
                    Fault(socket);
                    return;
                }
            }

            batch.Reset();
        }
    }

    // Redis pushed back: the rest of the batch goes from a pool thread that waits for the socket to take more (poll, not the
    // runtime's asynchronous send: see Connect). Later calls queue behind it meanwhile (_flushing stays set).
    private void FlushRest(int generation, Socket socket, RespWriter batch, int sent) =>
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Owner.SendRest(s.Generation, s.Socket, s.Batch, s.Sent), (Owner: this, Generation: generation, Socket: socket, Batch: batch, Sent: sent), preferLocal: false);

    private void SendRest(int generation, Socket socket, RespWriter batch, int sent)
    {
        try
        {
            var bytes = batch.Written;
            while (sent < bytes.Length)
            {
                if (_disposed)
                {
                    return;
                }

                var n = socket.Send(bytes.Span[sent..], SocketFlags.None, out var error);
                if (error == SocketError.Success)
                {
                    sent += n;
                }
                else if (error == SocketError.WouldBlock)
                {
                    socket.Poll(PollMicroseconds, SelectMode.SelectWrite);
                }
                else
                {
                    Fault(socket);
                    return;
                }
            }

            batch.Reset();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Fault(socket);
            return;
        }

        Flush(generation);
    }

    // Makes the reader thread see the end of the socket (it then fails the pending calls and reconnects).
    internal static void Fault(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }

    // ---- the reader thread: connect, read and complete, reconnect ----

    private void Run()
    {
        var connectedBefore = false;
        while (OpenWithBackoff(_options, ClientName, _stopping, OnConnectFailed) is { } socket)
        {
            if (connectedBefore)
            {
                Interlocked.Increment(ref _reconnects);
                Log.Reconnected(_logger, "redis_fast_reconnected");
            }

            connectedBefore = true;

            // Watched before anything is sent on it (edge-triggered): the first reply is an edge the loop sees.
            var loopReads = _options.ReadOnLoop ? RespLoopReader.TryStart(socket, _receive, _takeAll, EndedMessage) : null;
            _loopReads = loopReads;
            lock (_lock)
            {
                _socket = socket;
                _generation++;
            }

            _firstAttempt.TrySetResult(true);
            Exception error;
            try
            {
                error = loopReads is null ? ReadReplies(socket) : loopReads.WaitForEnd(_givesUp) ?? GaveUp();
            }
            catch (Exception ex)
            {
                // A continuation that ran inline and threw (async methods never do): the connection's state is still
                // consistent (the call was dequeued first); drop and reconnect rather than lose the reader thread.
                Log.ReaderFailed(_logger, "redis_fast_reader_failed", ex);
                error = ex;
            }

            Drop(socket, error);
        }
    }

    private void OnConnectFailed(Exception ex, bool firstOfOutage)
    {
        _firstAttempt.TrySetResult(false);
        if (firstOfOutage)
        {
            Log.ConnectFailed(_logger, "redis_fast_connect_failed", _options.Host, _options.Port, ex.GetType().Name, ex is RedisServerException ? ex.Message : "");
        }
    }

    /// <summary>
    /// <see cref="Open"/> until it succeeds, with backoff, telling <paramref name="failed"/> of each failure (and whether it is
    /// the first since the last success); null once <paramref name="stopping"/> is set. Any failure (refused, timeout, AUTH,
    /// DNS...) is retried: a reader thread must never end the process.
    /// </summary>
    internal static Socket? OpenWithBackoff(RedisStoreOptions options, string clientName, ManualResetEventSlim stopping, Action<Exception, bool> failed)
    {
        var backoff = MinBackoffMs;
        while (!stopping.IsSet)
        {
            try
            {
                return Open(options, clientName);
            }
            catch (Exception ex)
            {
                failed(ex, backoff == MinBackoffMs);
                stopping.Wait(backoff);
                backoff = Math.Min(backoff * 2, MaxBackoffMs);
            }
        }

        return null;
    }

    /// <summary>
    /// A connected, non-blocking socket to the server of <paramref name="options"/> (a supported one), authenticated and named
    /// <paramref name="clientName"/>: shared with <see cref="RedisFastSubscriber"/>. Throws on any failure.
    /// </summary>
    internal static Socket Open(RedisStoreOptions options, string clientName)
    {
        var (host, port) = string.IsNullOrWhiteSpace(options.Endpoints)
            ? (options.Host, options.Port)
            : RedisConnection.ParseEndPoint(options.Endpoints.Trim(), 6379);
        var address = IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host)[0];
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // Synchronous calls only, here and after: a socket that ever ran an asynchronous operation is registered with the
            // runtime's socket engine for reads and writes, which then wakes its thread (and a pool worker) on every reply
            // and every acknowledged write, for nothing. The kernel bounds a blocking connect by the send timeout.
            socket.ReceiveTimeout = options.ConnectTimeoutMs;
            socket.SendTimeout = options.ConnectTimeoutMs;
            try
            {
                socket.Connect(address, port);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress or SocketError.TimedOut)
            {
                throw new TimeoutException($"Connecting to Redis took more than {options.ConnectTimeoutMs} ms.", ex);
            }

            Handshake(socket, options, clientName);
            socket.Blocking = false;
            return socket;
        }
        catch (AggregateException ex) when (ex.InnerException is { } inner)
        {
            socket.Dispose();
            throw inner;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // AUTH (when a password is set) and CLIENT SETNAME, sent together, both replies checked (blocking, with the connect timeout).
    private static void Handshake(Socket socket, RedisStoreOptions options, string clientName)
    {
        var writer = new RespWriter(256);
        var commands = 1;
        if (options.Password is { } password)
        {
            if (options.User is { } user)
            {
                writer.WriteCommand("AUTH", user, password);
            }
            else
            {
                writer.WriteCommand("AUTH", password);
            }

            commands++;
        }

        writer.WriteCommand("CLIENT", "SETNAME", clientName);
        socket.Send(writer.Written.Span);
        var buffer = new byte[4096];
        var end = 0;
        var start = 0;
        while (commands > 0)
        {
            var status = RespReplyParser.TryScan(buffer.AsSpan(start, end - start), out var length);
            if (status == OperationStatus.Done)
            {
                var reply = RespReplyParser.Parse(buffer.AsSpan(start, length));
                start += length;
                commands--;
                if (reply.Resp2Type == ResultType.Error)
                {
                    throw ServerError(reply.ToString() ?? "ERR");
                }

                continue;
            }

            if (status == OperationStatus.InvalidData || end == buffer.Length)
            {
                throw ConnectionError(ConnectionFailureType.ProtocolFailure, "Unexpected handshake reply from Redis.");
            }

            var n = socket.Receive(buffer, end, buffer.Length - end, SocketFlags.None);
            if (n == 0)
            {
                throw ConnectionError(ConnectionFailureType.SocketClosed, "Redis closed the connection during the handshake.");
            }

            end += n;
        }
    }

    /// <summary>Receives and completes replies until the socket ends, breaks the protocol, or the oldest call times out.</summary>
    private Exception ReadReplies(Socket socket)
    {
        var buffer = _receive;
        buffer.Clear();
        while (true)
        {
            // The commands that this receive's continuations write (a publication, an acknowledgement, the next script)
            // leave together once they all ran: one send, one wake-up of Redis.
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
                return error != SocketError.Success
                    ? ConnectionError(ConnectionFailureType.SocketClosed, $"{EndedMessage} ({error}).")
                    : GaveUp();
            }
        }
    }

    private const string EndedMessage = "The fast Redis connection ended";

    // Why the reader stopped waiting for replies: disposed, or the oldest call is late.
    private Exception GaveUp() => _disposed
        ? new ObjectDisposedException(nameof(RedisFastConnection))
        : new TimeoutException($"No reply from Redis within {_options.OperationTimeoutMs} ms.");

    // Completes every whole reply buffered; the reason to end the connection when a reply breaks the protocol.
    private Exception? TakeAll(RespReceiveBuffer buffer)
    {
        var status = TakeReplies(buffer, out var unexpected);
        return unexpected
            ? ConnectionError(ConnectionFailureType.ProtocolFailure, "Redis sent a reply no call was waiting for.")
            : status == OperationStatus.InvalidData
            ? ConnectionError(ConnectionFailureType.ProtocolFailure, "Redis sent a reply that is not RESP2.")
            : null;
    }

    // Completes every whole reply buffered; unexpected when one came that no call was waiting for.
    private OperationStatus TakeReplies(RespReceiveBuffer buffer, out bool unexpected)
    {
        unexpected = false;
        OperationStatus status;
        while ((status = buffer.TryTake(out var bytes)) == OperationStatus.Done)
        {
            var reply = RespReplyParser.Parse(bytes.Span);

            // A burst (at least BurstReplies more whole replies are already here, or the receive filled the buffer): this
            // reply's work goes to the thread pool, so a burst is worked off on every core, not on this thread alone; the
            // tail of a burst, and every reply at a calm rate, continues here without a hop. (A hand-off wakes a pool
            // worker, and a wake-up costs more than a short reply's sends: a handful of replies stays here.) Order is
            // unaffected: the transport hands a connection its next packet only after the previous one's work completed.
            var burst = buffer.MayHaveMore || buffer.HasWholeReplies(BurstReplies);
            if (!Complete(reply, inline: !burst))
            {
                unexpected = true;
                break;
            }
        }

        return status;
    }

    private bool OldestIsLate()
    {
        lock (_lock)
        {
            return _pending.TryPeek(out var oldest) && Stopwatch.GetTimestamp() - oldest.QueuedAt > _timeoutTicks;
        }
    }

    // The reply of the oldest pending call: NOSCRIPT re-sends it as EVAL; otherwise its awaiting code runs here (inline) or on
    // the thread pool.
    private bool Complete(RedisResult reply, bool inline)
    {
        RedisFastOperation? op;
        lock (_lock)
        {
            if (!_pending.TryDequeue(out op))
            {
                return false;
            }
        }

        if (reply.Resp2Type == ResultType.Error)
        {
            var message = reply.ToString() ?? "ERR";
            if (!op.SentAsText && message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
            {
                op.SentAsText = true;
                Interlocked.Increment(ref _noScriptRetries);
                if (TryEnqueue(op) == EnqueueResult.Queued)
                {
                    return true;
                }
            }

            op.Fail(ServerError(message));
            return true;
        }

        if (inline)
        {
            op.Succeed(reply);
        }
        else
        {
            op.SucceedOnThreadPool(reply);
        }

        return true;
    }

    private void Drop(Socket socket, Exception error)
    {
        RedisFastOperation[] failed;
        lock (_lock)
        {
            _socket = null;
            _generation++;
            _flushing = false;

            // Fresh buffers: a flusher of the old socket may still hold the old ones.
            _writer = new RespWriter();
            _sending = new RespWriter();
            failed = [.. _pending];
            _pending.Clear();
        }

        socket.Dispose();
        if (!_disposed)
        {
            Log.Dropped(_logger, "redis_fast_dropped", error.GetType().Name, failed.Length);
        }

        var failure = error as TimeoutException
            ?? (Exception)ConnectionError(ConnectionFailureType.SocketFailure, "The fast Redis connection was lost.", error);
        foreach (var op in failed)
        {
            op.Fail(failure);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping.Set();
        Socket? socket;
        lock (_lock)
        {
            socket = _socket;
        }

        if (socket is not null)
        {
            Fault(socket);
        }

        if (_reader.IsAlive && Thread.CurrentThread != _reader)
        {
            _reader.Join(TimeSpan.FromSeconds(2));
        }
    }

    private static RedisConnectionException ConnectionError(ConnectionFailureType type, string message, Exception? inner = null) =>
        new(type, CommandFlags.None, message, inner, CommandStatus.Unknown);

    /// <summary>An error reply as StackExchange.Redis raises it (the message is the reply, e.g. <c>NOSCRIPT ...</c>).</summary>
    internal static RedisServerException ServerError(string message) => new(RedisErrorKind.UnknownError, CommandFlags.None, message);

    private static partial class Log
    {
        [LoggerMessage(210, LogLevel.Warning, "{event}: cannot reach Redis at {host}:{port} ({errorType}) {error}; retrying, store calls use the multiplexer meanwhile")]
        public static partial void ConnectFailed(ILogger logger, string @event, string host, int port, string errorType, string error);

        [LoggerMessage(211, LogLevel.Information, "{event}: fast Redis connection restored")]
        public static partial void Reconnected(ILogger logger, string @event);

        [LoggerMessage(213, LogLevel.Error, "{event}: unexpected error on the fast Redis connection's reader thread")]
        public static partial void ReaderFailed(ILogger logger, string @event, Exception exception);

        [LoggerMessage(212, LogLevel.Warning, "{event}: fast Redis connection lost ({errorType}), {pending} pending calls failed; reconnecting")]
        public static partial void Dropped(ILogger logger, string @event, string errorType, int pending);
    }
}
