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
/// (the protocol parses it in place there); completions run inline on the socket engine's thread.</item>
/// <item>Send: no send loop. A flush of the output sends what was flushed with plain non-blocking
/// <c>send()</c> calls on the flushing thread; only what the kernel refuses is left to an asynchronous drain
/// that exists while there is a backlog. <see cref="Send"/> lets the session pump write a shared encoded frame
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
    private const int ReceiveChunk = 16 * 1024;

    [ThreadStatic]
    private static byte[]? t_receiveBuffer;

    private readonly Socket _socket;
    private readonly Pipe _input;
    private readonly Pipe _send;
    private readonly Writer _output;
    private readonly ReadableAwaitable _readable = new();
    private long _flushed;
    private long _sent;
    private int _draining;
    private int _outputCompleted;
    private int _shutdownSent;

    public SocketPipe(Socket socket, PipeOptions receiveOptions, PipeOptions sendOptions)
    {
        _socket = socket;
        _input = new Pipe(receiveOptions);
        _send = new Pipe(sendOptions);
        _output = new Writer(this);
        _ = ReceiveLoopAsync();
    }

    /// <summary>Raw sockets get this pipe on Linux unless CNDR_SOCKET_PIPE=psu (Pipelines.Sockets.Unofficial, for A/B runs).</summary>
    internal static bool Enabled { get; set; } = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("CNDR_SOCKET_PIPE") != "psu";

    public PipeReader Input => _input.Reader;

    public PipeWriter Output => _output;

    /// <summary>True when every byte flushed into the output has been sent (the caller is the single writer).</summary>
    public bool PipeIdle => Volatile.Read(ref _sent) == Volatile.Read(ref _flushed) && Volatile.Read(ref _draining) == 0;

    /// <summary>Sends what the kernel takes now: bytes sent (0 when it would block), or -1 when the socket failed.</summary>
    public unsafe int Send(ReadOnlySpan<byte> data)
    {
        var handle = _socket.SafeHandle;
        var added = false;
        try
        {
            // Holds the descriptor open for the call: a concurrent Dispose cannot let it be reused meanwhile.
            handle.DangerousAddRef(ref added);
            nint n;
            fixed (byte* p = data)
            {
                do
                {
                    n = SendNative((int)handle.DangerousGetHandle(), p, data.Length, MsgDontWait | MsgNoSignal);
                }
                while (n < 0 && Marshal.GetLastPInvokeError() == EIntr);
            }

            if (n >= 0)
            {
                return (int)n;
            }

            return Marshal.GetLastPInvokeError() == EAgain ? 0 : -1;
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

    public void Dispose()
    {
        try
        {
            _socket.Dispose();
        }
        catch (ObjectDisposedException)
        {
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
                    // Readable (data or EOF) without holding a buffer; completes inline on the engine's thread.
                    var status = await _readable.WaitAsync(_socket);
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
        var handle = _socket.SafeHandle;
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

    /// <summary>After a flush (or completion) of the output: sends now unless a drain is already running.</summary>
    private void AfterFlush()
    {
        if ((Volatile.Read(ref _sent) != Volatile.Read(ref _flushed) || Volatile.Read(ref _outputCompleted) != 0)
            && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            DrainNow();
        }
    }

    /// <summary>Owner of the send side (<c>_draining</c> = 1): sends what the pipe holds until empty or pushed back.</summary>
    private void DrainNow()
    {
        var reader = _send.Reader;
        while (true)
        {
            if (reader.TryRead(out var result))
            {
                var buffer = result.Buffer;
                var sent = SendBuffer(buffer, out var failed);
                if (failed)
                {
                    reader.AdvanceTo(buffer.End);
                    FailSend(reader);
                    return;
                }

                if (sent < buffer.Length)
                {
                    // The kernel pushed back: the rest goes out asynchronously (the drain stays owned).
                    reader.AdvanceTo(buffer.GetPosition(sent));
                    _ = DrainAsync();
                    return;
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    FinishSend(reader);
                    return;
                }

                continue;
            }

            Volatile.Write(ref _draining, 0);
            if ((Volatile.Read(ref _sent) == Volatile.Read(ref _flushed) && Volatile.Read(ref _outputCompleted) == 0)
                || Volatile.Read(ref _shutdownSent) != 0
                || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private long SendBuffer(in ReadOnlySequence<byte> buffer, out bool failed)
    {
        failed = false;
        long total = 0;
        foreach (var segment in buffer)
        {
            var n = Send(segment.Span);
            if (n < 0)
            {
                failed = true;
                return total;
            }

            total += n;
            Interlocked.Add(ref _sent, n);
            if (n < segment.Length)
            {
                break;
            }
        }

        return total;
    }

    /// <summary>The backlog path: waits for the socket with the runtime's asynchronous send, then drains again.</summary>
    private async Task DrainAsync()
    {
        var reader = _send.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    var n = await _socket.SendAsync(segment, SocketFlags.None).ConfigureAwait(false);
                    Interlocked.Add(ref _sent, n);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    FinishSend(reader);
                    return;
                }

                if (Volatile.Read(ref _sent) == Volatile.Read(ref _flushed))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            FailSend(reader);
            return;
        }

        // Caught up: later flushes send inline again.
        DrainNowAfterBacklog();
    }

    private void DrainNowAfterBacklog() => DrainNow();

    private void FinishSend(PipeReader reader)
    {
        Volatile.Write(ref _shutdownSent, 1);
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        reader.Complete();
    }

    private void FailSend(PipeReader reader)
    {
        Volatile.Write(ref _shutdownSent, 1);
        reader.Complete(new IOException("socket send failed"));
    }

    [DllImport("libc", EntryPoint = "send", SetLastError = true)]
    private static extern unsafe nint SendNative(int fd, byte* buffer, nint length, int flags);

    [DllImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static extern unsafe nint ReceiveNative(int fd, byte* buffer, nint length, int flags);

    /// <summary>The output: the send pipe's writer, sending on every flush.</summary>
    private sealed class Writer(SocketPipe owner) : PipeWriter
    {
        private readonly PipeWriter _inner = owner._send.Writer;

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => _inner.UnflushedBytes;

        public override void Advance(int bytes) => _inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            var pending = _inner.UnflushedBytes;
            var flush = _inner.FlushAsync(cancellationToken);
            Interlocked.Add(ref owner._flushed, pending);
            owner.AfterFlush();
            return flush;
        }

        public override void CancelPendingFlush() => _inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            var pending = _inner.UnflushedBytes;
            _inner.Complete(exception);
            Interlocked.Add(ref owner._flushed, pending);
            Volatile.Write(ref owner._outputCompleted, 1);
            owner.AfterFlush();
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
