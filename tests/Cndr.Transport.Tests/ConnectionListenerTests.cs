using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Cndr.Transport.Sockets;

namespace Cndr.Transport.Tests;

/// <summary>
/// The listener over real loopback sockets: on Linux it accepts on the transport's epoll thread (<see cref="LoopAcceptor"/>),
/// elsewhere through the runtime. Every test asserts what the clients see, never timing.
/// </summary>
public class ConnectionListenerTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    /// <summary>Echoes every byte back and records the peer each connection was accepted from.</summary>
    private sealed class EchoHandler : IConnectionHandler
    {
        public List<IPEndPoint?> Peers { get; } = [];

        public List<TransportConnection> Connections { get; } = [];

        public async Task HandleAsync(TransportConnection connection)
        {
            lock (Peers)
            {
                Peers.Add(connection.RemoteEndPoint);
                Connections.Add(connection);
            }

            var input = connection.Transport.Input;
            var output = connection.Transport.Output;
            while (true)
            {
                var result = await input.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    output.Write(segment.Span);
                }

                input.AdvanceTo(result.Buffer.End);
                await output.FlushAsync();
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
    }

    private static (ConnectionListener Listener, EchoHandler Handler) Start(Action<ListenerOptions>? configure = null, IPAddress? address = null)
    {
        var options = new ListenerOptions();
        options.EndPoints.Add(new IPEndPoint(address ?? IPAddress.Loopback, 0));
        configure?.Invoke(options);
        var handler = new EchoHandler();
        var listener = new ConnectionListener(options, handler);
        listener.Start();
        return (listener, handler);
    }

    /// <summary>Connects, sends <paramref name="text"/> and returns what comes back (empty when the server closed at once).</summary>
    private static async Task<(Socket Socket, string Echo)> EchoAsync(EndPoint endPoint, string text, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? s_timeout);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, cts.Token);
        var bytes = System.Text.Encoding.ASCII.GetBytes(text);
        try
        {
            await socket.SendAsync(bytes, SocketFlags.None, cts.Token);
        }
        catch (SocketException)
        {
            return (socket, string.Empty); // refused and reset before the send
        }

        var buffer = new byte[bytes.Length];
        var received = 0;
        while (received < buffer.Length)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, cts.Token);
            }
            catch (SocketException)
            {
                n = 0; // reset by the server: it refused the connection
            }

            if (n == 0)
            {
                break;
            }

            received += n;
        }

        return (socket, System.Text.Encoding.ASCII.GetString(buffer, 0, received));
    }

    /// <summary>
    /// Nagle's algorithm would hold a small frame until the peer acknowledged the previous one (up to its delayed-ACK
    /// 40 ms): every accepted connection has TCP_NODELAY, which Linux copies from the listening socket to each connection
    /// it accepts (no system call per connection).
    /// </summary>
    [Fact]
    public async Task AnAcceptedConnectionHasTcpNoDelay()
    {
        var (listener, handler) = Start();
        await using var _ = listener;
        var (socket, echo) = await EchoAsync(listener.LocalEndPoints[0], "nagle?");
        using var __ = socket;
        Assert.Equal("nagle?", echo);
        TransportConnection connection;
        lock (handler.Peers)
        {
            connection = Assert.Single(handler.Connections);
        }

        Assert.True(ServerSideNoDelay(connection));
        Assert.False(socket.NoDelay); // the client's own option is its own: only the server's side was set
    }

    /// <summary>TCP_NODELAY of the server's side of <paramref name="connection"/>, read back from the kernel.</summary>
    private static bool ServerSideNoDelay(TransportConnection connection)
    {
        if (connection.DirectSender is not { } pipe)
        {
            return ((Socket)connection.Socket!).NoDelay;
        }

        var added = false;
        pipe.Handle.DangerousAddRef(ref added);
        try
        {
            int value = 0, length = sizeof(int);
            Assert.Equal(0, GetSockOpt((int)pipe.Handle.DangerousGetHandle(), 6, 1, ref value, ref length));
            return value != 0;
        }
        finally
        {
            pipe.Handle.DangerousRelease();
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getsockopt")]
    private static extern int GetSockOpt(int fd, int level, int name, ref int value, ref int length);

    [Fact]
    public async Task OnLinuxTheListenerAcceptsOnTheTransportsEpollThread()
    {
        var (listener, _) = Start();
        await using var _ = listener;
        Assert.Equal(ReadinessLoop.AcceptOnLoop, listener.AcceptsOnLoop);
    }

    [Fact]
    public async Task ABurstOfConcurrentConnectsLargerThanTheBacklogIsAllServed()
    {
        const int clients = 300;
        var (listener, handler) = Start(o => o.Backlog = 8);
        await using var _ = listener;
        var endPoint = listener.LocalEndPoints[0];

        // A connection that found the accept queue full waits for the kernel's SYN-ACK retransmissions (1, 2, 4, 8, 16 s
        // apart): on a busy machine (the other test classes run in parallel) one can take over 20 s to be accepted; it
        // must still be served, which is what this asserts, not how fast.
        var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(i => EchoAsync(endPoint, $"hello {i:D4}", TimeSpan.FromSeconds(90))));
        try
        {
            for (var i = 0; i < clients; i++)
            {
                Assert.Equal($"hello {i:D4}", results[i].Echo);
            }

            Assert.Equal(clients, handler.Peers.Count);
        }
        finally
        {
            foreach (var (socket, _) in results)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task TheAcceptedConnectionKnowsItsPeerAddressAndPort()
    {
        var (listener, handler) = Start();
        await using var _ = listener;
        var (socket, echo) = await EchoAsync(listener.LocalEndPoints[0], "who");
        using var __ = socket;
        Assert.Equal("who", echo);
        var peer = Assert.Single(handler.Peers);
        Assert.Equal(socket.LocalEndPoint, peer);
    }

    [Fact]
    public async Task AnIPv6LoopbackListenerServesAndSeesAnIPv6Peer()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return;
        }

        ConnectionListener listener;
        EchoHandler handler;
        try
        {
            (listener, handler) = Start(address: IPAddress.IPv6Loopback);
        }
        catch (SocketException)
        {
            return; // IPv6 compiled in but ::1 not configured on this machine
        }

        await using var _ = listener;
        var (socket, echo) = await EchoAsync(listener.LocalEndPoints[0], "six");
        using var __ = socket;
        Assert.Equal("six", echo);
        var peer = Assert.Single(handler.Peers);
        Assert.Equal(IPAddress.IPv6Loopback, peer!.Address);
        Assert.Equal(((IPEndPoint)socket.LocalEndPoint!).Port, peer.Port);
    }

    [Fact]
    public async Task OverMaxConnectionsANewConnectionIsClosedAndOneIsAcceptedAgainAfterAClose()
    {
        var (listener, _) = Start(o => o.MaxConnections = 2);
        await using var _ = listener;
        var endPoint = listener.LocalEndPoints[0];
        var (first, echo1) = await EchoAsync(endPoint, "one");
        var (second, echo2) = await EchoAsync(endPoint, "two");
        using var __ = second;
        Assert.Equal("one", echo1);
        Assert.Equal("two", echo2);

        var (third, echo3) = await EchoAsync(endPoint, "three");
        third.Dispose();
        Assert.Equal(string.Empty, echo3);

        first.Dispose();
        var deadline = DateTime.UtcNow + s_timeout;
        string echo4;
        do
        {
            // The server notices the close on its own schedule: a connection refused meanwhile is retried.
            var (fourth, echo) = await EchoAsync(endPoint, "four");
            fourth.Dispose();
            echo4 = echo;
        }
        while (echo4.Length == 0 && DateTime.UtcNow < deadline);

        Assert.Equal("four", echo4);
    }

    [Fact]
    public async Task StopAcceptingRefusesNewConnectionsWhileOpenOnesKeepWorking()
    {
        var (listener, _) = Start();
        await using var _ = listener;
        var endPoint = listener.LocalEndPoints[0];
        var (open, echo) = await EchoAsync(endPoint, "before");
        using var __ = open;
        Assert.Equal("before", echo);

        listener.StopAccepting();

        using var refused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var error = await Assert.ThrowsAsync<SocketException>(async () => await refused.ConnectAsync(endPoint));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);

        await open.SendAsync("after"u8.ToArray(), SocketFlags.None);
        var buffer = new byte[5];
        var received = 0;
        using var cts = new CancellationTokenSource(s_timeout);
        while (received < buffer.Length)
        {
            var n = await open.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, cts.Token);
            Assert.NotEqual(0, n);
            received += n;
        }

        Assert.Equal("after", System.Text.Encoding.ASCII.GetString(buffer));
    }

    [Theory]
    [InlineData(new byte[] { 2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }, "127.0.0.1:8080")]
    [InlineData(new byte[] { 10, 0, 0x01, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 }, "[::1]:443")]
    [InlineData(new byte[] { 1, 0, (byte)'/', (byte)'t' }, null)]
    [InlineData(new byte[] { 2 }, null)]
    public void APeerAddressFromAcceptIsParsedOrNullForOtherFamilies(byte[] sockaddr, string? expected)
    {
        Assert.Equal(expected, LoopAcceptor.ParseEndPoint(sockaddr)?.ToString());
    }
}
