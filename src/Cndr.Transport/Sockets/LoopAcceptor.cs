using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Cndr.Transport.Internal;

namespace Cndr.Transport.Sockets;

/// <summary>
/// Accepts on one non-blocking listening socket from a <see cref="ReadinessLoop"/>'s thread (Linux): each readiness
/// edge takes every pending connection with <c>accept4</c> until EAGAIN and hands each new socket to the listener's
/// callback right there, so the connection's pipe registers on the loop and reads its first request with no thread
/// hop (the runtime's accept engine wakes its own epoll thread, then a thread-pool worker, per accept).
/// Resource errors (EMFILE, ENFILE, ENOBUFS, ENOMEM) leave the rest in the backlog: the drain is retried after a
/// capped exponential backoff (one shared-timer entry), because an edge-triggered registration reports nothing more
/// until a new connection arrives. <see cref="Stop"/> ends accepting; the listening socket is its owner's to close.
/// </summary>
internal sealed class LoopAcceptor : IReadinessTarget, ITimerTarget
{
    private const int SockNonBlock = 0x800;
    private const int SockCloexec = 0x80000;
    private const int EIntr = 4;
    private const int ENoMem = 12;
    private const int ENFile = 23;
    private const int EMFile = 24;
    private const int EProto = 71;
    private const int ENoBufs = 105;
    private const int EConnAborted = 103;
    private const int AfInet = 2;
    private const int AfInet6 = 10;
    private const int AddressBytes = 128;
    private const int MaxBackoffMs = 1000;

    private readonly Socket _listener;
    private readonly Action<AcceptedSocket, IPEndPoint?> _accepted;
    private readonly ReadinessLoop _loop;
    private long _token;
    private int _requests;
    private int _backoffMs;
    private volatile bool _stopped;

    private LoopAcceptor(Socket listener, ReadinessLoop loop, Action<AcceptedSocket, IPEndPoint?> accepted)
    {
        _listener = listener;
        _loop = loop;
        _accepted = accepted;
    }

    /// <summary>Accept errors that were retried after a backoff (EMFILE and the like).</summary>
    internal long ResourceErrors { get; private set; }

    /// <summary>
    /// Makes the bound, listening socket non-blocking and registers it on a loop; null when no loop is available (the
    /// caller then accepts the runtime's way). Connections already pending are accepted at once.
    /// </summary>
    internal static LoopAcceptor? TryStart(Socket listener, Action<AcceptedSocket, IPEndPoint?> accepted)
    {
        if (!ReadinessLoop.AcceptOnLoop || ReadinessLoop.Next() is not { } loop)
        {
            return null;
        }

        listener.Blocking = false;
        var acceptor = new LoopAcceptor(listener, loop, accepted);
        if (!loop.Register(listener.SafeHandle, acceptor, out acceptor._token))
        {
            listener.Blocking = true;
            return null;
        }

        // Connections that queued before the registration raised no edge.
        acceptor.Drain();
        return acceptor;
    }

    /// <summary>No further accepts (a drain in progress ends after its current connection).</summary>
    internal void Stop()
    {
        _stopped = true;
        _loop.Unregister(_token);
    }

    public Action? Set(bool closing)
    {
        Drain();
        return null;
    }

    void ITimerTarget.OnTimer(long token, long dueMs)
    {
        // The timer thread only hands the retry on: the accepted connections' first reads must not run on it.
        ThreadPool.UnsafeQueueUserWorkItem(static a => a.Drain(), this, preferLocal: false);
    }

    /// <summary>One drain at a time; a request that arrives during one makes it go round again.</summary>
    private void Drain()
    {
        if (Interlocked.Increment(ref _requests) != 1)
        {
            return;
        }

        while (true)
        {
            var seen = Volatile.Read(ref _requests);
            DrainOnce();
            if (Interlocked.CompareExchange(ref _requests, 0, seen) == seen)
            {
                return;
            }
        }
    }

    private unsafe void DrainOnce()
    {
        var handle = _listener.SafeHandle;
        var added = false;
        var address = stackalloc byte[AddressBytes];
        try
        {
            // Holds the descriptor open across the accepts: a concurrent close cannot let its number be reused meanwhile.
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            while (!_stopped)
            {
                var length = AddressBytes;
                var client = Accept4(fd, address, &length, SockNonBlock | SockCloexec);
                if (client >= 0)
                {
                    _backoffMs = 0;
                    Accepted(client, new ReadOnlySpan<byte>(address, Math.Min(length, AddressBytes)));
                    continue;
                }

                switch (Marshal.GetLastPInvokeError())
                {
                    case EIntr or EConnAborted or EProto:
                        continue; // this connection is gone (or the call was interrupted): take the next
                    case EMFile or ENFile or ENoBufs or ENoMem:
                        // Out of descriptors or memory: the pending connections wait in the backlog; retry later.
                        ResourceErrors++;
                        _backoffMs = _backoffMs == 0 ? 5 : Math.Min(_backoffMs * 2, MaxBackoffMs);
                        SharedTimer.Instance.Schedule(this, 0, MonotonicClock.NowMs + _backoffMs);
                        return;
                    default:
                        return; // EAGAIN: all taken; EBADF/EINVAL: the listener is closed
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // the listener was closed
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>The new connection goes on as a bare descriptor (<see cref="AcceptedSocket"/>): no Socket object is built for it.</summary>
    private void Accepted(int fd, ReadOnlySpan<byte> address)
    {
        var socket = new AcceptedSocket(fd);
        try
        {
            _accepted(socket, ParseEndPoint(address));
        }
        catch (Exception)
        {
            // One connection's fault never stops the accepts.
            socket.Dispose();
        }
    }

    /// <summary>The peer from a sockaddr_in / sockaddr_in6 as accept4 filled it; null for any other family.</summary>
    internal static IPEndPoint? ParseEndPoint(ReadOnlySpan<byte> address)
    {
        if (address.Length < 2)
        {
            return null;
        }

        var family = BinaryPrimitives.ReadUInt16LittleEndian(address);
        if (family == AfInet && address.Length >= 8)
        {
            return new IPEndPoint(new IPAddress(address.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(address[2..]));
        }

        if (family == AfInet6 && address.Length >= 28)
        {
            var scope = BinaryPrimitives.ReadUInt32LittleEndian(address[24..]);
            return new IPEndPoint(new IPAddress(address.Slice(8, 16), scope), BinaryPrimitives.ReadUInt16BigEndian(address[2..]));
        }

        return null;
    }

    [DllImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static extern unsafe int Accept4(int fd, byte* address, int* length, int flags);
}
