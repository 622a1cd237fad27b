using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Cndr.Transport.Sockets;

namespace Cndr.Transport.Tests;

/// <summary>The raw-socket pipe over real loopback sockets: reads through the transport's epoll thread (Linux).</summary>
public class SocketPipeTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private static readonly PipeOptions s_options = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.ThreadPool, useSynchronizationContext: false);

    internal static async Task<(Socket Client, Socket Server)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        return (client, await accept);
    }

    private static async Task<string> ReadAtLeastAsync(PipeReader input, int count)
    {
        using var cts = new CancellationTokenSource(s_timeout);
        while (true)
        {
            var result = await input.ReadAsync(cts.Token);
            if (result.Buffer.Length >= count || result.IsCompleted)
            {
                var text = System.Text.Encoding.ASCII.GetString(result.Buffer.ToArray());
                input.AdvanceTo(result.Buffer.End);
                return text;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    [Fact]
    public async Task BytesArriveInOrderBeforeAndAfterTheConnectionGoesInline()
    {
        var (client, server) = await PairAsync();
        using var _ = client;
        using var pipe = new SocketPipe(server.SafeHandle, server, s_options, s_options);
        await client.SendAsync("GET"u8.ToArray());
        Assert.Equal("GET", await ReadAtLeastAsync(pipe.Input, 3));

        pipe.ReadInline();
        for (var i = 0; i < 20; i++)
        {
            var message = $"m{i:D2}";
            await client.SendAsync(System.Text.Encoding.ASCII.GetBytes(message));
            Assert.Equal(message, await ReadAtLeastAsync(pipe.Input, 3));
        }
    }

    [Fact]
    public async Task ThePeersCloseCompletesTheInput()
    {
        var (client, server) = await PairAsync();
        using var pipe = new SocketPipe(server.SafeHandle, server, s_options, s_options);
        pipe.ReadInline();
        client.Shutdown(SocketShutdown.Send);
        using var cts = new CancellationTokenSource(s_timeout);
        var result = await pipe.Input.ReadAsync(cts.Token);
        Assert.True(result.IsCompleted);
        client.Dispose();
    }

    [Fact]
    public async Task DisposingAnIdleConnectionEndsItsPendingRead()
    {
        var (client, server) = await PairAsync();
        using var _ = client;
        var pipe = new SocketPipe(server.SafeHandle, server, s_options, s_options);
        var read = pipe.Input.ReadAsync().AsTask();
        await Task.Delay(50);
        Assert.False(read.IsCompleted);

        pipe.Dispose();
        try
        {
            var result = await read.WaitAsync(s_timeout);
            Assert.True(result.IsCompleted);
        }
        catch (SocketException)
        {
            // ended with the socket's error: also an end
        }
    }

    /// <summary>The server side as the epoll thread's accept hands it on: a bare descriptor (<see cref="AcceptedSocket"/>).</summary>
    private static async Task<(Socket Client, AcceptedSocket Server)> BarePairAsync()
    {
        var (client, server) = await PairAsync();
        var fd = Dup((int)server.SafeHandle.DangerousGetHandle());
        Assert.True(fd >= 0);
        server.Dispose(); // the duplicate keeps the connection
        return (client, new AcceptedSocket(fd));
    }

    [DllImport("libc", EntryPoint = "dup")]
    private static extern int Dup(int fd);

    [Fact]
    public async Task Over_a_bare_descriptor_the_pipe_reads_writes_drains_a_backlog_in_order_and_ends_with_a_fin()
    {
        var (client, server) = await BarePairAsync();
        using var _ = client;
        using var pipe = new SocketPipe(server, null, s_options, s_options);
        await client.SendAsync("hello"u8.ToArray());
        Assert.Equal("hello", await ReadAtLeastAsync(pipe.Input, 5));

        // More than the kernel takes while the peer does not read: the rest waits in the backlog, which the runtime's
        // asynchronous send drains over a duplicate of the descriptor made for it.
        var payload = new byte[8 * 1024 * 1024];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(i * 7);
        }

        await pipe.Output.WriteAsync(payload.AsMemory(0, 1024));
        Assert.True(pipe.PipeIdle);
        var flush = pipe.Output.WriteAsync(payload.AsMemory(1024));
        Assert.False(pipe.PipeIdle);
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(s_timeout);
        while (received.Length < payload.Length)
        {
            var n = await client.ReceiveAsync(buffer, cts.Token);
            Assert.NotEqual(0, n);
            received.Write(buffer, 0, n);
        }

        await flush.AsTask().WaitAsync(s_timeout);
        Assert.Equal(payload, received.ToArray());

        // Completing the output sends FIN once the backlog is out; the input still works until the peer closes.
        await pipe.Output.CompleteAsync();
        Assert.Equal(0, await client.ReceiveAsync(buffer, cts.Token));
        await client.SendAsync("after"u8.ToArray());
        Assert.Equal("after", await ReadAtLeastAsync(pipe.Input, 5));
    }

    [Fact]
    public async Task Disposing_a_pipe_over_a_bare_descriptor_closes_it_gracefully()
    {
        var (client, server) = await BarePairAsync();
        using var _ = client;
        var pipe = new SocketPipe(server, null, s_options, s_options);
        pipe.Dispose();
        Assert.True(server.IsClosed);

        // A FIN, not the RST of an abortive close: the peer reads the end of the stream.
        using var cts = new CancellationTokenSource(s_timeout);
        Assert.Equal(0, await client.ReceiveAsync(new byte[16], cts.Token));
    }
}
