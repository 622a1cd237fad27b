using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cndr.Transport.Http;

namespace Cndr.Transport.Tests;

/// <summary>Request bodies against hostile and honest peers, over real sockets, and their framing.</summary>
public class HttpRequestBodyTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    /// <summary>Reads until the peer closes or <paramref name="until"/> appears; returns what arrived and whether the peer closed.</summary>
    private static async Task<(string Text, bool Closed)> ReadAsync(NetworkStream stream, string? until = null)
    {
        var buffer = new byte[64 * 1024];
        var text = "";
        using var cts = new CancellationTokenSource(s_timeout);
        try
        {
            while (until is null || !text.Contains(until, StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, cts.Token);
                if (n == 0)
                {
                    return (text, true);
                }

                text += Encoding.UTF8.GetString(buffer, 0, n);
            }
        }
        catch (IOException)
        {
            return (text, true);
        }
        catch (OperationCanceledException)
        {
            return (text, false);
        }

        return (text, false);
    }

    [Fact]
    public async Task ARequestBodyThatDribblesIsCutByTheBodyTimeout()
    {
        await using var server = new TestServer(configureHttp: o => o.RequestBodyTimeoutMs = 300);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync("POST /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n4a"u8.ToArray());

        // One more body byte every 50 ms: the head arrived in time, the body never completes.
        var closed = await Dribble.UntilClosedAsync(stream, "a"u8.ToArray(), s_timeout);

        Assert.True(closed, "the server kept a connection whose request body never completed");
    }

    [Fact]
    public async Task AnUnroutedRequestIsAnsweredWithoutWaitingForALargeBody()
    {
        await using var server = new TestServer();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = tcp.GetStream();

        // Under the server's body limit (1 MiB) but over the small bound for unknown paths; the body never comes.
        await stream.WriteAsync("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n"u8.ToArray());
        var (text, closed) = await ReadAsync(stream);
        Assert.StartsWith("HTTP/1.1 404 ", text, StringComparison.Ordinal);
        Assert.True(closed, "the connection stays open with an unread body on it");
    }

    [Fact]
    public async Task AnUnroutedRequestWithASmallBodyKeepsTheConnection()
    {
        await using var server = new TestServer();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789GET /health HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var (text, closed) = await ReadAsync(stream, "\r\n\r\nok");
        Assert.False(closed);
        Assert.StartsWith("HTTP/1.1 404 ", text, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.1 200 ", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(200 * 1024)]
    [InlineData(1024 * 1024)]
    public async Task APollingPostAboveTheReceivePipeThresholdCompletes(int size)
    {
        // The receive pipe pauses at 128 KiB (ListenerOptions.ReceivePauseThreshold); the body limit is the payload limit.
        Assert.True(size > new Sockets.ListenerOptions().ReceivePauseThreshold);
        await using var server = new TestServer(o =>
        {
            o.MaxPayload = 1024 * 1024;
            o.MaxOutboundBytes = 4 * 1024 * 1024;
        });
        using var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = s_timeout };
        var open = await http.GetStringAsync("/engine.io/?EIO=4&transport=polling");
        var sid = open[(open.IndexOf("\"sid\":\"", StringComparison.Ordinal) + 7)..][..16];
        var url = "/engine.io/?EIO=4&transport=polling&sid=" + sid;

        var message = "4" + new string('a', size - 1);
        using var post = await http.PostAsync(url, new StringContent(message, Encoding.ASCII));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal("ok", await post.Content.ReadAsStringAsync());

        // The echo of the whole message comes back on the next poll (between pings, 0x1E-separated).
        var echoed = await http.GetStringAsync(url);
        Assert.Contains(message, echoed.Split('\u001e'));
    }

    [Fact]
    public void ABodySplitAtEveryOffsetIsCopiedWholeAndLeavesThePipelinedRequest()
    {
        var body = Encoding.ASCII.GetBytes("0123456789abcdef");
        var data = body.Concat("GET /"u8.ToArray()).ToArray();
        for (var at = 1; at < data.Length; at++)
        {
            var seq = Segments.Split(data, at);
            var target = new byte[body.Length];
            var received = 0;

            // First only the bytes before the split have arrived, then everything.
            Assert.Equal(at >= body.Length, HttpBodyReader.TryRead(seq.Slice(0, at), target, ref received, out var consumed));
            Assert.Equal(Math.Min(at, body.Length), received);
            var rest = seq.Slice(consumed);
            if (received < body.Length)
            {
                Assert.True(HttpBodyReader.TryRead(rest, target, ref received, out consumed));
                rest = rest.Slice(consumed);
            }

            Assert.Equal(body, target);
            Assert.Equal("GET /"u8.ToArray(), rest.ToArray());
        }
    }
}
