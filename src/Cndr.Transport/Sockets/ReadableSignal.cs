using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Cndr.Transport.Sockets;

/// <summary>
/// "The socket may be readable" for one <see cref="SocketPipe"/>, set by a <see cref="ReadinessLoop"/> (edge-triggered
/// epoll) and awaited by the pipe's receive loop. A set with nobody waiting is latched, so an edge that arrives while
/// the loop is busy is never lost (at worst the next read finds nothing and the loop waits again). Once
/// <see cref="Inline"/> is set (an established WebSocket), the waiting continuation runs on the loop's thread: the
/// read, the protocol parse and the dispatch of a message happen there with no thread hop. Before (HTTP, the
/// handshake), and for a peer's close or an error, it runs on the thread pool as the runtime's engine would: that
/// work is heavier, and one slow handshake must not hold up every other socket's reads. <see cref="Abort"/> (the pipe disposed) resumes a waiter on the thread pool instead, so a
/// connection closed from another connection's handler never runs its teardown on that handler's stack.
/// </summary>
internal sealed class ReadableSignal : ICriticalNotifyCompletion, IReadinessTarget
{
    private static readonly Action s_set = static () => { };

    /// <summary>null: nothing pending; <see cref="s_set"/>: latched; otherwise the waiting continuation.</summary>
    private Action? _continuation;
    private volatile bool _aborted;
    private volatile bool _inline;

    public bool IsCompleted => ReferenceEquals(Volatile.Read(ref _continuation), s_set);

    /// <summary>Resume the reader on the readiness loop's own thread (set once the connection is established).</summary>
    public bool Inline
    {
        get => _inline;
        set => _inline = value;
    }

    public ReadableSignal GetAwaiter() => this;

    /// <summary>Consumes the latch: Success, or OperationAborted once the pipe was disposed.</summary>
    public SocketError GetResult()
    {
        // Full fence between the reset and the read of _aborted: an Abort racing with the reset is never missed.
        Interlocked.Exchange(ref _continuation, null);
        if (_aborted)
        {
            Volatile.Write(ref _continuation, s_set); // sticky: every later wait ends at once
            return SocketError.OperationAborted;
        }

        return SocketError.Success;
    }

    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    public void UnsafeOnCompleted(Action continuation)
    {
        if (Interlocked.CompareExchange(ref _continuation, continuation, null) is not null)
        {
            continuation(); // latched meanwhile
        }
    }

    /// <summary>
    /// From the readiness loop: resumes the waiter inline (established, not closing) and returns null, or returns
    /// the waiter for the loop to hand to the thread pool with the other deferred ones of its wake-up, or latches.
    /// </summary>
    public Action? Set(bool closing)
    {
        var continuation = Interlocked.Exchange(ref _continuation, s_set);
        if (continuation is null || ReferenceEquals(continuation, s_set))
        {
            return null;
        }

        if (_inline && !closing)
        {
            continuation();
            return null;
        }

        return continuation;
    }

    /// <summary>The pipe is gone: a waiter resumes on the thread pool and sees OperationAborted.</summary>
    public void Abort()
    {
        _aborted = true;
        var continuation = Interlocked.Exchange(ref _continuation, s_set);
        if (continuation is not null && !ReferenceEquals(continuation, s_set))
        {
            ThreadPool.UnsafeQueueUserWorkItem(static c => ((Action)c!).Invoke(), continuation, preferLocal: false);
        }
    }
}
