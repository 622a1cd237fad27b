using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cndr.Core.Store.Redis;
using StackExchange.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>A RESP socket read on the transport's epoll loop, against a plain local peer (what Redis would send).</summary>
public class RespLoopReaderTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_reply_and_the_end_of_the_connection_that_arrive_together_are_both_read()
    {
        // Both are there before the socket is watched: epoll reports them as one event (readable and peer closed), and a
        // reader that stopped at the short receive of the reply would never hear of the end (no later event comes).
        using var pair = SocketPair.Open();
        pair.Peer.Send("+OK\r\n:42\r\n"u8);
        pair.Peer.Shutdown(SocketShutdown.Send);
        Thread.Sleep(50);

        var replies = new List<string>();
        var reader = RespLoopReader.TryStart(pair.Socket, new RespReceiveBuffer(64), b => Take(b, replies), "ended");
        Assert.NotNull(reader);
        var clock = Stopwatch.StartNew();
        var error = reader.WaitForEnd(() => clock.Elapsed > s_patience);

        Assert.IsType<RedisConnectionException>(error);
        Assert.Equal(["+OK\r\n", ":42\r\n"], replies);
        Assert.True(clock.Elapsed < s_patience, "the end was not noticed");
    }

    [Fact]
    public void Replies_larger_than_the_buffer_and_split_across_receives_arrive_whole_in_order()
    {
        using var pair = SocketPair.Open();
        var replies = new List<string>();
        var reader = RespLoopReader.TryStart(pair.Socket, new RespReceiveBuffer(64), b => Take(b, replies), "ended");
        Assert.NotNull(reader);

        var big = new string('x', 10_000);
        var wire = Encoding.ASCII.GetBytes($"${big.Length}\r\n{big}\r\n+one\r\n");
        pair.Peer.Send(wire.AsSpan(0, 7));
        Thread.Sleep(30); // a partial reply alone in the socket first: the reader keeps it and waits for the rest
        pair.Peer.Send(wire.AsSpan(7));
        pair.Peer.Send("+two\r\n"u8);

        var clock = Stopwatch.StartNew();
        while (CountOf(replies) < 3 && clock.Elapsed < s_patience)
        {
            Thread.Sleep(10);
        }

        Assert.True(reader.ThreadName.StartsWith("cndr-epoll-", StringComparison.Ordinal), reader.ThreadName);
        lock (replies)
        {
            Assert.Equal([$"${big.Length}\r\n{big}\r\n", "+one\r\n", "+two\r\n"], replies);
        }

        // Giving up stops the reads; nothing read after that.
        Assert.Null(reader.WaitForEnd(() => true));
        pair.Peer.Send("+late\r\n"u8);
        Thread.Sleep(50);
        lock (replies)
        {
            Assert.Equal(3, replies.Count);
        }
    }

    [Fact]
    public void A_reply_that_breaks_the_protocol_ends_the_reads_with_the_takers_reason()
    {
        using var pair = SocketPair.Open();
        var refused = new InvalidDataException("not RESP2");
        var reader = RespLoopReader.TryStart(pair.Socket, new RespReceiveBuffer(64), b => b.TryTake(out _) == OperationStatus.InvalidData ? refused : null, "ended");
        Assert.NotNull(reader);
        pair.Peer.Send("?what\r\n"u8);

        var clock = Stopwatch.StartNew();
        Assert.Same(refused, reader.WaitForEnd(() => clock.Elapsed > s_patience));
    }

    [Fact]
    public void What_a_read_throws_ends_the_reads_and_is_rethrown_on_the_connections_thread()
    {
        // A bug in the code a reply continues (not the connection's end): the owner's thread must see it thrown, to log it as
        // its reader's failure, as it does when it reads itself.
        using var pair = SocketPair.Open();
        var bug = new InvalidOperationException("continuation bug");
        var reader = RespLoopReader.TryStart(pair.Socket, new RespReceiveBuffer(64), _ => throw bug, "ended");
        Assert.NotNull(reader);
        pair.Peer.Send("+OK\r\n"u8);

        var clock = Stopwatch.StartNew();
        Assert.Same(bug, Assert.Throws<InvalidOperationException>(() => reader.WaitForEnd(() => clock.Elapsed > s_patience)));
        Assert.True(clock.Elapsed < s_patience, "the failure was not noticed");
    }

    private static int CountOf(List<string> replies)
    {
        lock (replies)
        {
            return replies.Count;
        }
    }

    private static Exception? Take(RespReceiveBuffer buffer, List<string> replies)
    {
        while (buffer.TryTake(out var reply) == OperationStatus.Done)
        {
            lock (replies)
            {
                replies.Add(Encoding.ASCII.GetString(reply.Span));
            }
        }

        return null;
    }

    /// <summary>A connected loopback pair: <see cref="Socket"/> (non-blocking, the reader's) and <see cref="Peer"/> (the test's).</summary>
    private sealed class SocketPair : IDisposable
    {
        private SocketPair(Socket socket, Socket peer)
        {
            Socket = socket;
            Peer = peer;
        }

        public Socket Socket { get; }

        public Socket Peer { get; }

        public static SocketPair Open()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(listener.LocalEndPoint!);
            socket.Blocking = false;
            return new SocketPair(socket, listener.Accept());
        }

        public void Dispose()
        {
            Socket.Dispose();
            Peer.Dispose();
        }
    }
}
