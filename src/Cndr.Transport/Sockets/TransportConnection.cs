using System.IO.Pipelines;
using System.Net;
using Cndr.Transport.Internal;

namespace Cndr.Transport.Sockets;

/// <summary>
/// One accepted connection as seen by the protocol layers: a duplex pipe and the peer's address.
/// Whether the bytes travel over a raw socket or a TLS stream is invisible here.
/// </summary>
public sealed class TransportConnection : ITimerTarget
{
    private readonly Action<TransportConnection>? _abort;
    private int _aborted;

    internal TransportConnection(IDuplexPipe transport, IPEndPoint? remote, Action<TransportConnection>? abort)
    {
        Transport = transport;
        RemoteEndPoint = remote;
        _abort = abort;
    }

    /// <summary>Creates a connection over any duplex pipe (tests, in-memory transports).</summary>
    public static TransportConnection FromPipe(IDuplexPipe transport, IPEndPoint? remote = null) => new(transport, remote, null);

    /// <summary>The byte stream of the connection.</summary>
    public IDuplexPipe Transport { get; }

    /// <summary>The peer, when known.</summary>
    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>The peer's address, when known.</summary>
    public IPAddress? RemoteAddress => RemoteEndPoint?.Address;

    /// <summary>Closes the underlying socket at once (pending reads end).</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        _abort?.Invoke(this);
        CancelPendingReadDeferred();
    }

    /// <summary>
    /// Wakes the read loop from another thread. The socket pipes resume their reader inline (no thread hop per
    /// message), so a direct CancelPendingRead would run the read loop's teardown on the caller's stack — e.g. in the
    /// middle of a broadcast or on the shared timer thread. It goes to the thread pool instead (a rare path).
    /// </summary>
    internal void CancelPendingReadDeferred()
        => ThreadPool.UnsafeQueueUserWorkItem(static c => c.Transport.Input.CancelPendingRead(), this, preferLocal: false);

    internal object? Socket { get; set; }

    /// <summary>The write fast path (raw sockets on Linux); null for streams (TLS) and in-memory pipes.</summary>
    internal SocketPipe? DirectSender { get; init; }

    void ITimerTarget.OnTimer(long token, long dueMs) => Abort();

    /// <summary>
    /// Graceful close: completes the output (the socket sends what is buffered, then FIN) and waits until the
    /// peer closes its side, at most <paramref name="lingerMs"/> (one shared-timer entry, no Timer per connection).
    /// </summary>
    internal async Task CloseGracefullyAsync(int lingerMs)
    {
        try
        {
            await Transport.Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // already completed
        }

        if (Volatile.Read(ref _aborted) != 0)
        {
            return;
        }

        SharedTimer.Instance.Schedule(this, 0, MonotonicClock.NowMs + lingerMs);
        var input = Transport.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                input.AdvanceTo(result.Buffer.End);

                // A cancellation left over from the protocol layer (e.g. the WebSocket pump ending the read loop)
                // must not cut the linger short: the socket would be disposed before the last bytes are sent.
                if (result.IsCompleted || (result.IsCanceled && Volatile.Read(ref _aborted) != 0))
                {
                    break;
                }
            }
        }
        catch (Exception)
        {
            // reset by peer or already completed: closed either way
        }
    }
}

/// <summary>Runs one accepted connection until it ends.</summary>
public interface IConnectionHandler
{
    /// <summary>Serves the connection; the listener disposes it when the task completes.</summary>
    Task HandleAsync(TransportConnection connection);
}
