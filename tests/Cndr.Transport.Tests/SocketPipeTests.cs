using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Cndr.Transport.Sockets;

namespace Cndr.Transport.Tests;

/// <summary>The raw-socket pipe over real loopback sockets: reads through the transport's epoll thread (Linux).</summary>
public class SocketPipeTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private static readonly PipeOptions s_options = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.ThreadPool, useSynchronizationContext: false);

    private static async Task<(Socket Client, Socket Server)> PairAsync()
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
        using var pipe = new SocketPipe(server, s_options, s_options);
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
        using var pipe = new SocketPipe(server, s_options, s_options);
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
        var pipe = new SocketPipe(server, s_options, s_options);
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
}
