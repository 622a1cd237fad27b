using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Cndr.Transport.Sockets;

namespace Cndr.Benchmarks.Scenarios;

/// <summary>
/// The end of a write batch that delivered a room update: <c>receivers</c> loopback TCP connections (the server side a
/// <see cref="SocketPipe"/>, as the listener makes them), one 1 100-byte frame each, submitted through the current
/// thread's <see cref="SendRing"/> in one round (<see cref="Round"/>), the receivers drained after. Null ring (io_uring
/// refused, CNDR_SEND_RING=off): each frame goes with <see cref="SocketPipe.Send"/>, the path without a ring. Run it on
/// one thread: a ring belongs to the thread that made it.
/// </summary>
internal sealed class SendRingScenario : IDisposable, IRingSendOwner
{
    private static readonly PipeOptions s_options = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.ThreadPool, useSynchronizationContext: false);

    private readonly List<(Socket Client, Socket Server, SocketPipe Pipe)> _pairs = [];
    private readonly byte[] _frame = new byte[1100];
    private readonly byte[] _drain = new byte[64 * 1024];

    public SendRingScenario(int receivers)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(receivers);
        for (var i = 0; i < receivers; i++)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.Connect(listener.LocalEndPoint!);
            var server = listener.Accept();
            server.NoDelay = true;
            _pairs.Add((client, server, new SocketPipe(server.SafeHandle, server, s_options, s_options)));
        }

        _frame.AsSpan().Fill((byte)'x');
    }

    /// <summary>Bytes the kernel took in the last round, over all receivers.</summary>
    public long Sent { get; private set; }

    /// <summary>One frame to every receiver in one round, then every receiver drained; returns the bytes sent.</summary>
    public long Round()
    {
        Sent = 0;
        if (SendRing.ForCurrentThread() is { } ring)
        {
            foreach (var (_, _, pipe) in _pairs)
            {
                _frame.CopyTo(ring.Free);
                _ = ring.TryAdd(pipe, _frame.Length, this);
            }

            ring.Complete();
        }
        else
        {
            foreach (var (_, _, pipe) in _pairs)
            {
                Sent += Math.Max(0, pipe.Send(_frame));
            }
        }

        foreach (var (client, _, _) in _pairs)
        {
            while (client.Available > 0)
            {
                _ = client.Receive(_drain.AsSpan(), SocketFlags.None);
            }
        }

        return Sent;
    }

    void IRingSendOwner.OnRingSendCompleted(int sent, ReadOnlySpan<byte> data) => Sent += Math.Max(0, sent);

    public void Dispose()
    {
        foreach (var (client, _, pipe) in _pairs)
        {
            pipe.Dispose();
            client.Dispose();
        }
    }
}
