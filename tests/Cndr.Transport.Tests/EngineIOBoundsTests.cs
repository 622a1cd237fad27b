using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Cndr.Transport.EngineIO;

namespace Cndr.Transport.Tests;

/// <summary>Resource bounds of the Engine.IO layer against hostile peers, over real sockets (issue 9 §2.1, §2.2, §2.4).</summary>
public class EngineIOBoundsTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what + " not reached within " + s_timeout);
            await Task.Delay(10);
        }
    }

    /// <summary>A TCP client that reads (almost) nothing: a 4 KiB receive buffer, and the caller decides when to read.</summary>
    private static async Task<(TcpClient Tcp, NetworkStream Stream)> ConnectSlowReaderAsync(TestServer server)
    {
        var tcp = new TcpClient { ReceiveBufferSize = 4096 };
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        return (tcp, tcp.GetStream());
    }

    /// <summary>Sends a WebSocket upgrade for a new session on <paramref name="path"/> and reads the 101 head (only that).</summary>
    private static async Task UpgradeAsync(NetworkStream stream, string path)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {path}?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            Assert.Equal(1, await stream.ReadAsync(one).AsTask().WaitAsync(s_timeout));
            head.Add(one[0]);
        }

        Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString(head.ToArray()), StringComparison.Ordinal);
    }

    /// <summary>Sends HTTP requests one after another on one keep-alive connection; returns each status code.</summary>
    private static async Task<List<int>> KeepAliveGetsAsync(TestServer server, string target, int count)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = tcp.GetStream();
        var statuses = new List<int>();
        var buffer = new byte[64 * 1024];
        for (var i = 0; i < count; i++)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n"));
            var total = 0;
            while (true)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(total)).AsTask().WaitAsync(s_timeout);
                Assert.True(n > 0, "the server closed the keep-alive connection");
                total += n;
                var text = Encoding.ASCII.GetString(buffer, 0, total);
                var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                var cl = text.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
                if (headEnd > 0 && cl > 0 && cl < headEnd)
                {
                    var len = int.Parse(text.AsSpan(cl + 16, text.IndexOf('\r', cl) - cl - 16), System.Globalization.CultureInfo.InvariantCulture);
                    if (total >= headEnd + 4 + len)
                    {
                        statuses.Add(int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture));
                        break;
                    }
                }
            }
        }

        return statuses;
    }

    [Fact]
    public async Task APeerThatFloodsPingsAndNeverReadsThePongsIsCut()
    {
        await using var server = new TestServer(o => { o.MaxOutboundBytes = 64 * 1024; o.PingInterval = 60_000; o.PingTimeout = 60_000; });
        var (tcp, stream) = await ConnectSlowReaderAsync(server);
        using (tcp)
        {
            await UpgradeAsync(stream, "/engine.io/");

            // 500 masked pings of 125 bytes per write; at most 64 MiB in all (the bound of the loop).
            var ping = WebSocketFrameReaderTests.ClientFrame(9, new byte[125]);
            var block = new byte[ping.Length * 500];
            for (var i = 0; i < 500; i++)
            {
                ping.CopyTo(block, i * ping.Length);
            }

            var cut = false;
            for (long sent = 0; sent < 64L << 20 && !cut; sent += block.Length)
            {
                try
                {
                    await stream.WriteAsync(block).AsTask().WaitAsync(s_timeout);
                }
                catch (IOException)
                {
                    cut = true;
                }
            }

            // The pongs count against MaxOutboundBytes: the session is dropped as a slow consumer long before the end.
            await WaitForAsync(() => server.Echo.Counters.SlowConsumers == 1, "the slow-consumer cut");
            await WaitForAsync(() => server.Echo.SessionCount == 0 && server.Echo.Counters.OpenWebSockets == 0, "the session and its socket gone");
        }
    }

    [Fact]
    public async Task AGracefulCloseToAPeerThatNeverReadsIsAbortedAfterTheCloseTimeout()
    {
        await using var server = new TestServer(o =>
        {
            o.CloseTimeout = 300;
            o.MaxOutboundBytes = 256L << 20;
            o.PingInterval = 60_000;
            o.PingTimeout = 60_000;
        });
        var (tcp, stream) = await ConnectSlowReaderAsync(server);
        using (tcp)
        {
            await UpgradeAsync(stream, "/engine.io/");
            await WaitForAsync(() => server.Echoes.Sessions.Count == 1, "the session");
            var session = server.Echoes.Sessions.Values.Single();

            // 32 MiB the peer never reads: far more than the socket buffers and the pipe hold.
            var chunk = new byte[512 * 1024];
            chunk.AsSpan().Fill((byte)'x');
            for (var i = 0; i < 64; i++)
            {
                var m = OutboundMessage.Create(chunk.Length + 1);
                m.WriteByte((byte)'4');
                m.Write(chunk);
                m.Complete();
                Assert.True(session.Send(m));
                m.Release();
            }

            session.Close();
            Assert.Equal(EngineIOSessionState.Closing, session.State);

            // The close cannot finish (the frames and the close frame are stuck behind a peer that does not read):
            // after CloseTimeout the connection is aborted and nothing it queued is kept.
            await WaitForAsync(() => session.State == EngineIOSessionState.Closed, "Closed");
            await WaitForAsync(() => server.Echo.SessionCount == 0 && server.Echo.Counters.OpenWebSockets == 0, "the session and its socket gone");
        }
    }

    [Fact]
    public async Task OneKeepAliveConnectionIssuingGetsCannotOpenMoreSessionsThanThePerAddressCap()
    {
        await using var server = new TestServer(o => o.MaxPendingSessionsPerAddress = 5);
        var statuses = await KeepAliveGetsAsync(server, "/socket.io/?EIO=4&transport=polling", 12);
        Assert.Equal([200, 200, 200, 200, 200, 503, 503, 503, 503, 503, 503, 503], statuses);
        Assert.Equal(5, server.IO.Engine.SessionCount);
        Assert.Equal(5, server.IO.Counters.PendingSessions);
        Assert.Equal(7, server.IO.Counters.RefusedSessions);
    }

    [Fact]
    public async Task AnEstablishedOrClosedSessionGivesItsPendingSlotBack()
    {
        await using var server = new TestServer(o => o.MaxPendingSessionsPerAddress = 2);
        using var http = new HttpClient { Timeout = s_timeout };
        var url = server.Url + "/socket.io/?EIO=4&transport=polling";
        var first = (await http.GetStringAsync(url)).Substring(9, 16);
        var second = (await http.GetStringAsync(url)).Substring(9, 16);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(url)).StatusCode);

        // The first connects the namespace and the application marks it established (the relay: joined a room).
        Assert.Equal("ok", await (await http.PostAsync($"{url}&sid={first}", new StringContent("40"))).Content.ReadAsStringAsync());
        await WaitForAsync(() => !server.Handler.Connected.IsEmpty, "the namespace connect");
        var connection = server.Handler.Connected.Single();
        connection.MarkEstablished();
        connection.MarkEstablished(); // idempotent
        Assert.Equal(1, server.IO.Counters.PendingSessions);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(url)).StatusCode);

        // The second closes (the client says so): its slot comes back too.
        Assert.Equal("ok", await (await http.PostAsync($"{url}&sid={second}", new StringContent("1"))).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url)).StatusCode);
        Assert.Equal(2, server.IO.Counters.PendingSessions);
    }

    [Fact]
    public async Task WebSocketSessionsCountAgainstThePerNodeCap()
    {
        await using var server = new TestServer(o => { o.MaxPendingSessions = 3; o.MaxPendingSessionsPerAddress = 0; });
        var open = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var ws = new ClientWebSocket();
                await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/socket.io/?EIO=4&transport=websocket"), CancellationToken.None).WaitAsync(s_timeout);
                open.Add(ws);
            }

            using var refused = new ClientWebSocket();
            var e = await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/socket.io/?EIO=4&transport=websocket"), CancellationToken.None).WaitAsync(s_timeout));
            Assert.Contains("503", e.Message, StringComparison.Ordinal);
            Assert.Equal(3, server.IO.Engine.SessionCount);
        }
        finally
        {
            foreach (var ws in open)
            {
                ws.Dispose();
            }
        }
    }

    [Fact]
    public async Task APollingSessionThatNeverConnectsANamespaceIsClosedByTheConnectTimeout()
    {
        await using var server = new TestServer(o => o.ConnectTimeout = 300);
        using var http = new HttpClient { Timeout = s_timeout };
        var url = server.Url + "/socket.io/?EIO=4&transport=polling";
        var sid = (await http.GetStringAsync(url)).Substring(9, 16);
        await WaitForAsync(() => server.IO.Engine.SessionCount == 0 || server.IO.Counters.PendingSessions == 0, "the connect timeout");
        Assert.Equal(0, server.IO.Counters.PendingSessions);
        using var res = await http.GetAsync($"{url}&sid={sid}");
        var body = await res.Content.ReadAsStringAsync();
        Assert.True(res.StatusCode == HttpStatusCode.BadRequest || body == "1", $"{(int)res.StatusCode} {body}");
    }
}
