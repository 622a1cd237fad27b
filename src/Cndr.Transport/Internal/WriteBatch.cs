using Cndr.Transport.Sockets;

namespace Cndr.Transport.Internal;

/// <summary>A writer whose flush can wait for the end of the current thread's <see cref="WriteBatch"/>.</summary>
internal interface IDeferredFlush
{
    /// <summary>Sends what was written during the batch (called once per batch that deferred it, on the batch's thread).</summary>
    void FlushDeferred();
}

/// <summary>
/// Corks a thread's writes to a shared connection (the store's Redis connection) while it works off one batch of input —
/// the events of one epoll wake-up, or the replies of one receive — so commands made for several inputs leave with one
/// <c>send()</c> at the batch's end instead of one each: fewer system calls and, above all, fewer wake-ups of the
/// server at the other end. Nothing waits longer than the batch it belongs to. Per thread, nestable, no allocation
/// after the first batch of a thread.
/// </summary>
internal static class WriteBatch
{
    [ThreadStatic]
    private static int t_depth;

    [ThreadStatic]
    private static List<IDeferredFlush>? t_deferred;

    [ThreadStatic]
    private static SendRing? t_sendRing;

    /// <summary>True while the current thread is inside a batch (a writer may then <see cref="Defer"/> its flush).</summary>
    public static bool IsOpen => t_depth > 0;

    /// <summary>Starts a batch on the current thread; every Open needs its <see cref="Close"/> (in a finally).</summary>
    public static void Open() => t_depth++;

    /// <summary>Opens a batch that the returned scope's <c>Dispose</c> closes: <c>using (WriteBatch.Begin()) { … }</c>.</summary>
    public static Scope Begin()
    {
        Open();
        return default;
    }

    /// <summary>Flushes <paramref name="writer"/> when the current batch closes (the writer registers once per batch).</summary>
    public static void Defer(IDeferredFlush writer) => (t_deferred ??= []).Add(writer);

    /// <summary>Ends a batch; the outermost one flushes every deferred writer, in the order they deferred.</summary>
    public static void Close()
    {
        if (t_depth == 0)
        {
            return; // no batch open here (a close on another thread than its open is a bug; it must not cork this one)
        }

        if (--t_depth > 0 || t_deferred is not { Count: > 0 } deferred)
        {
            return;
        }

        // The connections this flushes put their sends on the thread's ring, which submits them all at the end with one
        // system call (SendRing); without a ring each sends on its own as the flush reaches it.
        // A batch that opens and closes inside a report of the ring (a session's end runs handler code) hands its sends to
        // the same ring, whose running Complete takes them; the outer flush keeps its ring afterwards.
        var outer = t_sendRing;
        var ring = t_sendRing = SendRing.ForCurrentThread();
        try
        {
            // A flush may run code that writes again (and so defers again): take the list as it is and go until it is empty.
            for (var i = 0; i < deferred.Count; i++)
            {
                try
                {
                    deferred[i].FlushDeferred();
                }
                catch (Exception)
                {
                    // One writer's failure (its connection reports it) never keeps the others' bytes back.
                }
            }

            deferred.Clear();
            ring?.Complete();
        }
        finally
        {
            t_sendRing = outer;
        }
    }

    /// <summary>
    /// The ring a connection's pump puts its send on instead of sending now: set while the outermost batch of this thread
    /// flushes, which completes the ring's sends before it returns; null otherwise.
    /// </summary>
    public static SendRing? Ring => t_sendRing;

    /// <summary>The batch <see cref="Begin"/> opened; disposing it closes the batch.</summary>
    public readonly struct Scope : IDisposable
    {
        public void Dispose() => Close();
    }
}
