using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Cndr.Transport.Sockets;

/// <summary>
/// The duplex pipe of one accepted raw socket (Linux): what Pipelines.Sockets.Unofficial's SocketConnection did,
/// with less work per message and less memory per idle connection.
/// <list type="bullet">
/// <item>Receive: one loop that waits for readability with a zero-byte receive (no buffer held while idle)
/// only after a read came back short; otherwise it reads again at once — no zero-byte read while data is
/// waiting, no FIONREAD probe. Each <c>recv</c> goes into a per-thread buffer and is copied into the input pipe
/// (the protocol parses it in place there). Readability comes from the transport's own epoll thread
/// (<see cref="ReadinessLoop"/>), which runs the read, parse and dispatch itself for a busy established WebSocket
/// (<see cref="ReadInline"/>): no thread-pool hop per message. Other reads resume on the thread pool.</item>
/// <item>Send: no send loop and no send pipe while idle. A flush of the output sends what was written with one
/// plain non-blocking <c>send()</c> on the flushing thread; only what the kernel refuses goes into a backlog pipe
/// (created on first need) drained asynchronously while it is non-empty. <see cref="Send"/> lets the session pump write a shared encoded frame
/// straight from its own bytes while nothing is queued here (<see cref="PipeIdle"/>).</item>
/// </list>
/// Completing the output sends what is buffered, then FIN; the input completes on FIN or a socket error.
/// </summary>
internal sealed class SocketPipe : IDuplexPipe, IDisposable
{
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private const int EAgain = 11;
    private const int EIntr = 4;
    private const int ShutWrite = 1;
    private const int ReceiveChunk = 16 * 1024;

    /// <summary>Reads an established connection makes on the thread pool before it goes inline.</summary>
    private const int InlineAfterReads = 8;

    [ThreadStatic]
    private static byte[]? t_receiveBuffer;

    private readonly SafeHandle _handle;

    /// <summary>The runtime's Socket of a connection accepted the runtime's way; null for an <see cref="AcceptedSocket"/>.</summary>
    private readonly Socket? _socket;

    /// <summary>
    /// For an <see cref="AcceptedSocket"/>, a runtime Socket over a duplicate of its descriptor, made on first need only: the
    /// backlog's asynchronous send (the kernel pushed back) or a readiness wait without an epoll loop.
    /// </summary>
    private Socket? _duplicate;
    private readonly Pipe _input;
    private readonly PipeOptions _sendOptions;
    private readonly Writer _output;
    private Pipe? _backlog;

    // Readability comes from the transport's own epoll thread (ReadinessLoop), or else from the runtime's engine.
    private readonly ReadinessLoop? _loop;
    private readonly ReadableSignal? _signal;
    private readonly long _token;
    private ReadableAwaitable? _readable;

    /// <summary>0: not established (or inline already); otherwise reads left before the switch.</summary>
    private int _readsBeforeInline;
    private long _flushed;
    private long _sent;
    private int _draining;
    private int _outputCompleted;
    private int _shutdownSent;
    private int _failed;

    /// <summary>
    /// A pipe over the connected socket <paramref name="handle"/>: <paramref name="socket"/> is the runtime's Socket that owns it,
    /// or null when the handle is an <see cref="AcceptedSocket"/> (closed by this pipe's <see cref="Dispose"/>).
    /// </summary>
    public SocketPipe(SafeHandle handle, Socket? socket, PipeOptions receiveOptions, PipeOptions sendOptions)
    {
        _handle = handle;
        _socket = socket;
        _input = new Pipe(receiveOptions);
        _sendOptions = sendOptions;
        _output = new Writer(this);
        if (ReadinessLoop.Enabled && ReadinessLoop.Next() is { } loop)
        {
            var signal = new ReadableSignal { Inline = ReadinessLoop.InlineFromStart };
            if (loop.Register(handle, signal, out _token))
            {
                _loop = loop;
                _signal = signal;
            }
        }

        _ = ReceiveLoopAsync();
    }

    /// <summary>The connected socket (for tests that read its options back).</summary>
    internal SafeHandle Handle => _handle;

    /// <summary>Raw sockets get this pipe on Linux unless CNDR_SOCKET_PIPE=psu (Pipelines.Sockets.Unofficial, for A/B runs).</summary>
    internal static bool Enabled { get; set; } = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("CNDR_SOCKET_PIPE") != "psu";

    public PipeReader Input => _input.Reader;

    public PipeWriter Output => _output;

    /// <summary>
    /// The connection is established (a WebSocket after its handshake). By default every read already runs on the
    /// readiness loop's thread (<see cref="ReadinessLoop.InlineFromStart"/>) and this does nothing. With
    /// CNDR_SOCKET_EPOLL=established (A/B runs) the reads go inline only from here, once the connection has also shown
    /// itself busy (<see cref="InlineAfterReads"/> more reads).
    /// </summary>
    public void ReadInline()
    {
        if (_signal is { Inline: false } && !ReadinessLoop.NeverInline)
        {
            Volatile.Write(ref _readsBeforeInline, InlineAfterReads);
        }
    }

    /// <summary>True when every byte flushed into the output has been sent (the caller is the single writer).</summary>
    public bool PipeIdle => Volatile.Read(ref _sent) == Volatile.Read(ref _flushed) && Volatile.Read(ref _draining) == 0;

    /// <summary>Sends what the kernel takes now: bytes sent (0 when it would block), or -1 when the socket failed.</summary>
    public unsafe int Send(ReadOnlySpan<byte> data)
    {
        var handle = _handle;
        var added = false;
        try
        {
            // Holds the descriptor open for the call: a concurrent Dispose cannot let it be reused meanwhile.
            handle.DangerousAddRef(ref added);
            fixed (byte* p = data)
            {
                return SendDescriptor((int)handle.DangerousGetHandle(), p, data.Length);
            }
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>One non-blocking <c>send()</c> on <paramref name="fd"/> (held open by the caller): bytes sent, 0 when it would block, -1 when the socket failed.</summary>
    internal static unsafe int SendDescriptor(int fd, byte* data, int length)
    {
        nint n;
        do
        {
            n = SendNative(fd, data, length, MsgDontWait | MsgNoSignal);
        }
        while (n < 0 && Marshal.GetLastPInvokeError() == EIntr);

        if (n >= 0)
        {
            return (int)n;
        }

        return Marshal.GetLastPInvokeError() == EAgain ? 0 : -1;
    }

    public void Dispose()
    {
        if (_loop is { } loop)
        {
            loop.Unregister(_token);
            _signal!.Abort();
        }

        try
        {
            // Graceful either way: the runtime Socket's own close, or the AcceptedSocket's plain close().
            Interlocked.Exchange(ref _duplicate, null)?.Dispose();
            if (_socket is not null)
            {
                _socket.Dispose();
            }
            else
            {
                _handle.Dispose();
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>The runtime's Socket for this connection: its own, or one over a duplicated descriptor (throws once disposed).</summary>
    private Socket RuntimeSocket()
    {
        if (_socket is not null)
        {
            return _socket;
        }

        if (Volatile.Read(ref _duplicate) is { } made)
        {
            return made;
        }

        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            var fd = Dup((int)_handle.DangerousGetHandle());
            if (fd < 0)
            {
                throw new SocketException(Marshal.GetLastPInvokeError());
            }

            var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
            if (Interlocked.CompareExchange(ref _duplicate, socket, null) is { } other)
            {
                socket.Dispose();
                return other;
            }

            return socket;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    // ------------------------------------------------------------------ receive

    private async Task ReceiveLoopAsync()
    {
        var writer = _input.Writer;
        Exception? error = null;
        try
        {
            var waitFirst = false;
            while (true)
            {
                if (waitFirst)
                {
                    // Readable (data or EOF) without holding a buffer; resumes inline on the epoll (or engine's) thread.
                    var status = _signal is { } signal
                        ? await signal
                        : await (_readable ??= new ReadableAwaitable()).WaitAsync(RuntimeSocket());
                    if (status != SocketError.Success)
                    {
                        error = status is SocketError.OperationAborted or SocketError.ConnectionAborted or SocketError.Interrupted
                            ? null : new SocketException((int)status);
                        break;
                    }
                }

                var buffer = t_receiveBuffer ??= GC.AllocateUninitializedArray<byte>(ReceiveChunk);
                var n = Receive(buffer);
                if (n == -2)
                {
                    waitFirst = true; // EAGAIN
                    continue;
                }

                if (n <= 0)
                {
                    error = n == 0 ? null : new SocketException((int)SocketError.ConnectionReset);
                    break;
                }

                writer.Write(buffer.AsSpan(0, n));
                var flush = writer.FlushAsync();
                var result = flush.IsCompletedSuccessfully ? flush.Result : await flush.ConfigureAwait(false);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }

                // A short read drained the socket: wait for readability instead of a read that would say EAGAIN.
                waitFirst = n < buffer.Length;
                if (_readsBeforeInline > 0 && --_readsBeforeInline == 0)
                {
                    _signal!.Inline = true;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            error = ex is SocketException ? ex : null;
        }

        await writer.CompleteAsync(error).ConfigureAwait(false);
    }

    /// <summary>One non-blocking recv: bytes, 0 on EOF, -1 on error, -2 when nothing is there (EAGAIN).</summary>
    private unsafe int Receive(byte[] buffer)
    {
        var handle = _handle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            nint n;
            fixed (byte* p = buffer)
            {
                do
                {
                    n = ReceiveNative((int)handle.DangerousGetHandle(), p, buffer.Length, MsgDontWait);
                }
                while (n < 0 && Marshal.GetLastPInvokeError() == EIntr);
            }

            if (n >= 0)
            {
                return (int)n;
            }

            return Marshal.GetLastPInvokeError() == EAgain ? -2 : -1;
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    // ------------------------------------------------------------------ send

    /// <summary>The writer's flush (single writer): sends now while nothing is backlogged, else appends to the backlog.</summary>
    private ValueTask<FlushResult> Flush(ReadOnlySpan<byte> data)
    {
        if (Volatile.Read(ref _failed) != 0)
        {
            return new(new FlushResult(isCanceled: false, isCompleted: true));
        }

        if (data.IsEmpty)
        {
            return default;
        }

        if (PipeIdle)
        {
            var n = Send(data);
            if (n == data.Length)
            {
                return default;
            }

            if (n < 0)
            {
                Volatile.Write(ref _failed, 1);
                return new(new FlushResult(isCanceled: false, isCompleted: true));
            }

            data = data[n..];
        }

        // The kernel pushed back (or a backlog is draining): queue behind it; the flush waits above the threshold.
        var writer = (_backlog ??= new Pipe(_sendOptions)).Writer;
        writer.Write(data);
        var flush = writer.FlushAsync();
        Interlocked.Add(ref _flushed, data.Length);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            _ = DrainAsync();
        }

        return flush;
    }

    /// <summary>The output completed: FIN now, or after the backlog.</summary>
    private void CompleteOutput()
    {
        Volatile.Write(ref _outputCompleted, 1);
        if (_backlog is { } backlog)
        {
            backlog.Writer.Complete();
            if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            {
                _ = DrainAsync();
            }
        }
        else
        {
            FinishSend();
        }
    }

    /// <summary>The backlog path (owner of <c>_draining</c>): the runtime's asynchronous send until caught up.</summary>
    private async Task DrainAsync()
    {
        var reader = _backlog!.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    var n = await RuntimeSocket().SendAsync(segment, SocketFlags.None).ConfigureAwait(false);
                    Interlocked.Add(ref _sent, n);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    FinishSend();
                    await reader.CompleteAsync().ConfigureAwait(false);
                    return;
                }

                if (Volatile.Read(ref _sent) == Volatile.Read(ref _flushed))
                {
                    // Caught up: later flushes send inline again (unless more came in meanwhile).
                    Volatile.Write(ref _draining, 0);
                    if ((Volatile.Read(ref _sent) == Volatile.Read(ref _flushed) && Volatile.Read(ref _outputCompleted) == 0)
                        || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
                    {
                        return;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            Volatile.Write(ref _failed, 1);
            await reader.CompleteAsync(ex).ConfigureAwait(false);
        }
    }

    private void FinishSend()
    {
        if (Interlocked.Exchange(ref _shutdownSent, 1) != 0)
        {
            return;
        }

        if (_socket is not null)
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }

            return;
        }

        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            _ = ShutdownNative((int)_handle.DangerousGetHandle(), ShutWrite);
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    [DllImport("libc", EntryPoint = "send", SetLastError = true)]
    private static extern unsafe nint SendNative(int fd, byte* buffer, nint length, int flags);

    [DllImport("libc", EntryPoint = "shutdown")]
    private static extern int ShutdownNative(int fd, int how);

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int fd);

    [DllImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static extern unsafe nint ReceiveNative(int fd, byte* buffer, nint length, int flags);

    /// <summary>
    /// The output: bytes written go into a pooled buffer that the flush sends (and returns to the pool), so an
    /// idle connection holds no send buffer and no send pipe; a pipe exists only for a backlog.
    /// </summary>
    private sealed class Writer(SocketPipe owner) : PipeWriter
    {
        private byte[]? _buffer;
        private int _length;
        private bool _completed;

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => _length;

        public override void Advance(int bytes)
        {
            if (bytes < 0 || _length + bytes > (_buffer?.Length ?? 0))
            {
                throw new ArgumentOutOfRangeException(nameof(bytes));
            }

            _length += bytes;
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => Ensure(sizeHint).AsMemory(_length);

        public override Span<byte> GetSpan(int sizeHint = 0) => Ensure(sizeHint).AsSpan(_length);

        private byte[] Ensure(int sizeHint)
        {
            sizeHint = Math.Max(sizeHint, 1);
            if (_buffer is null)
            {
                return _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, 4096));
            }

            if (_buffer.Length - _length < sizeHint)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + sizeHint));
                _buffer.AsSpan(0, _length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }

            return _buffer;
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            var buffer = _buffer;
            if (buffer is null)
            {
                return owner.Flush(default);
            }

            var result = owner.Flush(buffer.AsSpan(0, _length));
            _buffer = null;
            _length = 0;
            ArrayPool<byte>.Shared.Return(buffer);
            return result;
        }

        public override void CancelPendingFlush() => owner._backlog?.Writer.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            if (_length > 0)
            {
                _ = FlushAsync();
            }
            else if (_buffer is { } buffer)
            {
                _buffer = null;
                ArrayPool<byte>.Shared.Return(buffer);
            }

            owner.CompleteOutput();
        }

        public override ValueTask CompleteAsync(Exception? exception = null)
        {
            Complete(exception);
            return default;
        }
    }

    /// <summary>
    /// A zero-byte receive as an awaitable that resumes its continuation inline on the thread that completes it
    /// (the socket engine's), as Pipelines.Sockets.Unofficial's SocketAwaitableEventArgs does. One per connection.
    /// </summary>
    private sealed class ReadableAwaitable : SocketAsyncEventArgs, System.Runtime.CompilerServices.ICriticalNotifyCompletion
    {
        private static readonly Action s_completed = static () => { };
        private Action? _continuation;

        public ReadableAwaitable()
            : base(unsafeSuppressExecutionContextFlow: true)
        {
            SetBuffer(Memory<byte>.Empty);
        }

        public bool IsCompleted => ReferenceEquals(Volatile.Read(ref _continuation), s_completed);

        public ReadableAwaitable WaitAsync(Socket socket)
        {
            _continuation = null;
            if (!socket.ReceiveAsync(this))
            {
                _continuation = s_completed;
            }

            return this;
        }

        public ReadableAwaitable GetAwaiter() => this;

        public SocketError GetResult()
        {
            _continuation = null;
            return SocketError;
        }

        public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

        public void UnsafeOnCompleted(Action continuation)
        {
            if (ReferenceEquals(Volatile.Read(ref _continuation), s_completed)
                || ReferenceEquals(Interlocked.CompareExchange(ref _continuation, continuation, null), s_completed))
            {
                continuation();
            }
        }

        protected override void OnCompleted(SocketAsyncEventArgs e)
        {
            var continuation = Interlocked.Exchange(ref _continuation, s_completed);
            continuation?.Invoke();
        }
    }
}
