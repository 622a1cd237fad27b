using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Cndr.Transport.SocketIO;

namespace Cndr.Transport.Tests;

/// <summary>Behaviour the official suites check weakly or not at all (CONFORMANCE.md §5–§6), over real sockets.</summary>
public class ServerSocketTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private static async Task<string> RawAsync(int port, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        var buffer = new byte[64 * 1024];
        var total = 0;
        using var cts = new CancellationTokenSource(s_timeout);
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(total), cts.Token);
                if (n == 0)
                {
                    break;
                }

                total += n;
                var text = Encoding.UTF8.GetString(buffer, 0, total);
                var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (headEnd > 0)
                {
                    var cl = text.IndexOf("Content-Length: ", StringComparison.Ordinal);
                    if (cl < 0 || cl > headEnd)
                    {
                        break;
                    }

                    var len = int.Parse(text.AsSpan(cl + 16, text.IndexOf('\r', cl) - cl - 16), System.Globalization.CultureInfo.InvariantCulture);
                    if (total >= headEnd + 4 + len)
                    {
                        break;
                    }
                }
            }
        }
        catch (IOException)
        {
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    private static string Upgrade(string query, string? origin = null) =>
        $"GET /socket.io/?{query} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
        (origin is null ? "" : $"Origin: {origin}\r\n") + "\r\n";

    private static async Task<ClientWebSocket> OpenAsync(TestServer server, string path = "/socket.io/")
    {
        var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}{path}?EIO=4&transport=websocket"), CancellationToken.None).WaitAsync(s_timeout);
        var open = await ReceiveTextAsync(ws);
        Assert.StartsWith("0{\"sid\":", open, StringComparison.Ordinal);
        return ws;
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket ws, bool skipPings = true)
    {
        var buffer = new byte[256 * 1024];
        while (true)
        {
            var total = 0;
            ValueWebSocketReceiveResult r;
            do
            {
                r = await ws.ReceiveAsync(buffer.AsMemory(total), CancellationToken.None).AsTask().WaitAsync(s_timeout);
                total += r.Count;
            }
            while (!r.EndOfMessage);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                return "<close " + (int?)ws.CloseStatus + ">";
            }

            var text = r.MessageType == WebSocketMessageType.Binary ? "<bin " + Convert.ToHexString(buffer, 0, total) + ">" : Encoding.UTF8.GetString(buffer, 0, total);
            if (skipPings && text == "2")
            {
                await SendAsync(ws, "3");
                continue;
            }

            return text;
        }
    }

    private static Task SendAsync(ClientWebSocket ws, string text)
        => ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(s_timeout);

    [Theory]
    [InlineData("EIO=3&transport=websocket")]
    [InlineData("transport=websocket")]
    [InlineData("EIO=4&transport=abc")]
    [InlineData("EIO=4")]
    [InlineData("EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAA")]
    public async Task WebSocketUpgradeWithBadQueryGets400InsteadOf101(string query)
    {
        await using var server = new TestServer();
        var response = await RawAsync(server.Port, Upgrade(query));
        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
    }

    /// <summary>
    /// Over long-polling the corked CONNECT reply and the handler's event answer one waiting GET together, even when the
    /// handler takes 200 ms before its event: the GET does not go back with the reply alone.
    /// </summary>
    [Fact]
    public async Task A_waiting_GET_gets_the_connect_reply_and_the_handlers_event_in_one_payload()
    {
        for (var round = 0; round < 5; round++)
        {
            // No ping meanwhile: the waiting GET is released by the CONNECT's answer.
            await using var server = new TestServer(o => (o.PingInterval, o.PingTimeout) = (20_000, 20_000));
            var open = await RawAsync(server.Port, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n");
            var sid = open[(open.IndexOf("\"sid\":\"", StringComparison.Ordinal) + 7)..];
            sid = sid[..sid.IndexOf('"', StringComparison.Ordinal)];
            var get = RawAsync(server.Port, $"GET /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\r\n");
            await Task.Delay(100); // the GET waits at the server
            var body = "40{\"hello\":1,\"slowWelcome\":true}";
            var post = await RawAsync(server.Port, $"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\nContent-Length: {body.Length}\r\n\r\n{body}");
            Assert.StartsWith("HTTP/1.1 200", post, StringComparison.Ordinal);
            var payload = await get.WaitAsync(s_timeout);
            var connect = payload.IndexOf("40{\"sid\":", StringComparison.Ordinal);
            var welcome = payload.IndexOf("42[\"welcome\",{\"hello\":1,\"slowWelcome\":true}]", StringComparison.Ordinal);
            Assert.True(connect >= 0 && welcome > connect, payload);
        }
    }

    /// <summary>A raw WebSocket connection (no delay) that asked for an Engine.IO session, and its first read.</summary>
    private static async Task<(TcpClient Tcp, string FirstRead)> OpenWebSocketAsync(TestServer server, byte[] buffer, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port, cancellationToken);
        tcp.NoDelay = true;
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Upgrade("EIO=4&transport=websocket")), cancellationToken);
        return (tcp, Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer, cancellationToken)));
    }

    /// <summary>
    /// A new WebSocket session's 101 and open packet leave in one send(), and so do the Socket.IO CONNECT reply and
    /// the event the handler sends on connecting, even 200 ms later (the session is corked meanwhile): each arrives in the
    /// first read.
    /// </summary>
    [Fact]
    public async Task The_101_and_the_open_packet_and_then_the_connect_reply_and_the_handlers_event_each_arrive_in_one_segment()
    {
        await using var server = new TestServer();
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(s_timeout);
        var (tcp, first) = await OpenWebSocketAsync(server, buffer, cts.Token);
        using var _ = tcp;
        var stream = tcp.GetStream();
        Assert.StartsWith("HTTP/1.1 101 ", first, StringComparison.Ordinal);
        Assert.Contains("0{\"sid\":", first, StringComparison.Ordinal);

        await stream.WriteAsync(WebSocketFrameReaderTests.ClientFrame(0x1, "40{\"hello\":1,\"slowWelcome\":true}"u8), cts.Token);
        var second = Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer, cts.Token));
        var connect = second.IndexOf("40{\"sid\":", StringComparison.Ordinal);
        var welcome = second.IndexOf("42[\"welcome\",{\"hello\":1,\"slowWelcome\":true}]", StringComparison.Ordinal);
        Assert.True(connect >= 0 && welcome > connect, second);
    }

    /// <summary>
    /// Packets a thread queues for a WebSocket session while it works off a batch of input (<see cref="Internal.WriteBatch"/>:
    /// an epoll wake-up's events, a receive of store replies or bus messages) leave together when the batch ends, even
    /// 200 ms apart: both arrive in the first read. Without the batch the first one leaves at once (checked too).
    /// </summary>
    [Fact]
    public async Task Packets_queued_during_a_threads_write_batch_leave_together_at_its_end()
    {
        await using var server = new TestServer();
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(s_timeout);
        var (tcp, open) = await OpenWebSocketAsync(server, buffer, cts.Token);
        using var _ = tcp;
        var stream = tcp.GetStream();
        Assert.Contains("0{\"sid\":", open, StringComparison.Ordinal);
        await stream.WriteAsync(WebSocketFrameReaderTests.ClientFrame(0x1, "40{\"batch\":1}"u8), cts.Token);
        var greeting = "";
        while (!greeting.Contains("42[\"welcome\"", StringComparison.Ordinal))
        {
            greeting += Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer, cts.Token));
        }

        Assert.True(server.Handler.Connected.TryDequeue(out var connection));

        async Task<string> SendTwoAsync(bool batch)
        {
            // A thread of its own: a pool thread sleeping 200 ms could hold up the test's own receive on a two-core machine.
            var sender = new Thread(() =>
            {
                if (batch)
                {
                    Internal.WriteBatch.Open();
                }

                try
                {
                    TestHandler.Emit(connection, $"[\"first\",{batch.ToString().ToLowerInvariant()}]");
                    Thread.Sleep(200);
                    TestHandler.Emit(connection, $"[\"second\",{batch.ToString().ToLowerInvariant()}]");
                }
                finally
                {
                    if (batch)
                    {
                        Internal.WriteBatch.Close();
                    }
                }
            });
            sender.Start();
            var first = Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer, cts.Token));
            sender.Join();
            if (!first.Contains("\"second\"", StringComparison.Ordinal))
            {
                await stream.ReadExactlyAsync(buffer.AsMemory(0, 2 + "42[\"second\",false]".Length), cts.Token); // the rest, for the next round
            }

            return first;
        }

        var unbatched = await SendTwoAsync(batch: false);
        Assert.Contains("42[\"first\",false]", unbatched, StringComparison.Ordinal);
        Assert.DoesNotContain("\"second\"", unbatched, StringComparison.Ordinal);

        var batched = await SendTwoAsync(batch: true);
        var first = batched.IndexOf("42[\"first\",true]", StringComparison.Ordinal);
        Assert.True(first >= 0 && batched.IndexOf("42[\"second\",true]", StringComparison.Ordinal) > first, batched);
    }

    private static async Task<(TcpClient Tcp, ISocketIOConnection Connection)> ConnectSocketIOAsync(TestServer server, byte[] buffer, CancellationToken cancellationToken)
    {
        var (tcp, _) = await OpenWebSocketAsync(server, buffer, cancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync(WebSocketFrameReaderTests.ClientFrame(0x1, "40{\"batch\":1}"u8), cancellationToken);
        var greeting = "";
        while (!greeting.Contains("42[\"welcome\"", StringComparison.Ordinal))
        {
            greeting += Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer, cancellationToken));
        }

        Assert.True(server.Handler.Connected.TryDequeue(out var connection));
        return (tcp, connection);
    }

    /// <summary>Reads server WebSocket frames until <paramref name="count"/> text payloads arrived; returns them in order.</summary>
    private static async Task<List<string>> ReadFramesAsync(NetworkStream stream, int count, CancellationToken cancellationToken)
    {
        var data = new MemoryStream();
        var frames = new List<string>();
        var buffer = new byte[256 * 1024];
        var at = 0;
        while (frames.Count < count)
        {
            var n = await stream.ReadAsync(buffer, cancellationToken);
            Assert.NotEqual(0, n);
            data.Write(buffer, 0, n);
            var bytes = data.GetBuffer();
            while (true)
            {
                var available = (int)data.Length - at;
                if (available < 2)
                {
                    break;
                }

                var (header, length) = (bytes[at + 1] & 0x7F) switch
                {
                    126 when available >= 4 => (4, (bytes[at + 2] << 8) | bytes[at + 3]),
                    127 when available >= 10 => (10, (int)System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(at + 2))),
                    < 126 and var l => (2, l),
                    _ => (0, 0),
                };
                if (header == 0 || available < header + length)
                {
                    break;
                }

                Assert.Equal(0x81, bytes[at]);
                frames.Add(Encoding.UTF8.GetString(bytes, at + header, length));
                at += header + length;
            }
        }

        return frames;
    }

    /// <summary>
    /// The packets one batch queues for several WebSocket sessions leave through the thread's send ring: one round of
    /// sends for all of them (<see cref="Sockets.SendRing"/>). When the kernel takes only part of a session's send (its
    /// client reads nothing), the rest goes into the session's pipe, and once the client reads, every packet arrives whole
    /// and in order, those sent after it included. Where io_uring is refused the packets go directly and arrive the same.
    /// </summary>
    [Fact]
    public async Task Packets_a_batch_queues_for_several_sessions_leave_in_one_ring_round_and_a_short_send_continues_in_order()
    {
        await using var server = new TestServer(o => o.MaxOutboundBytes = 256 * 1024 * 1024);
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var sessions = new List<(TcpClient Tcp, ISocketIOConnection Connection)>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                sessions.Add(await ConnectSocketIOAsync(server, buffer, cts.Token));
            }

            var hasRing = false;
            var rounds = 0L;
            var sends = 0L;
            OwnThread.Run(() =>
            {
                var ring = Sockets.SendRing.ForCurrentThread();
                hasRing = ring is not null;
                var (r0, s0) = (ring?.Rounds ?? 0, ring?.Sends ?? 0);
                Internal.WriteBatch.Open();
                for (var i = 0; i < sessions.Count; i++)
                {
                    TestHandler.Emit(sessions[i].Connection, $"[\"ring\",{i}]");
                }

                Internal.WriteBatch.Close();
                (rounds, sends) = ((ring?.Rounds ?? 0) - r0, (ring?.Sends ?? 0) - s0);
            });

            Assert.Equal(Sockets.SendRing.Enabled && hasRing ? (1, 3) : (0, 0), (rounds, sends));
            for (var i = 0; i < sessions.Count; i++)
            {
                Assert.Equal([$"42[\"ring\",{i}]"], await ReadFramesAsync(sessions[i].Tcp.GetStream(), 1, cts.Token));
            }

            if (!hasRing)
            {
                return;
            }

            // One packet per batch to a client that reads nothing, until the kernel takes only part of one; three more follow.
            var filler = new string('x', 200_000);
            var sent = 0;
            var shortAt = -1;
            OwnThread.Run(() =>
            {
                var ring = Sockets.SendRing.ForCurrentThread()!;
                ring.SendAloneDirectly = false; // one session per batch here: through the ring all the same
                var shortSends = ring.ShortSends;
                for (; sent < 400 && (shortAt < 0 || sent <= shortAt + 3); sent++)
                {
                    Internal.WriteBatch.Open();
                    TestHandler.Emit(sessions[0].Connection, $"[\"big\",{sent},\"{filler}\"]");
                    Internal.WriteBatch.Close();
                    if (shortAt < 0 && ring.ShortSends > shortSends)
                    {
                        shortAt = sent;
                    }
                }
            });

            Assert.True(shortAt >= 0, "no send was short: the kernel took 80 MB for a client that reads nothing");
            var frames = await ReadFramesAsync(sessions[0].Tcp.GetStream(), sent, cts.Token);
            for (var i = 0; i < sent; i++)
            {
                Assert.Equal($"42[\"big\",{i},\"{filler}\"]", frames[i]);
            }
        }
        finally
        {
            foreach (var (tcp, _) in sessions)
            {
                tcp.Dispose();
            }
        }
    }

    [Fact]
    public async Task PollingPostOverMaxPayloadGets413()
    {
        await using var server = new TestServer(o => o.MaxPayload = 1000);
        var open = await RawAsync(server.Port, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n");
        var sid = open[(open.IndexOf("\"sid\":\"", StringComparison.Ordinal) + 7)..][..16];
        var body = "4" + new string('x', 2000);
        var response = await RawAsync(server.Port, $"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        Assert.StartsWith("HTTP/1.1 413 ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocketMessageOverMaxPayloadIsClosedWith1009()
    {
        await using var server = new TestServer(o => o.MaxPayload = 1000);
        using var ws = await OpenAsync(server);
        await SendAsync(ws, "4" + new string('x', 5000));
        Assert.Equal("<close 1009>", await ReceiveTextAsync(ws));
    }

    [Fact]
    public async Task CorsHeadersAreSentForAllowedOriginsAndOthersAreRefused()
    {
        await using (var open = new TestServer())
        {
            var r = await RawAsync(open.Port, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: http://game.example\r\n\r\n");
            Assert.Contains("Access-Control-Allow-Origin: *\r\n", r, StringComparison.Ordinal);
            var pre = await RawAsync(open.Port, "OPTIONS /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: http://game.example\r\nAccess-Control-Request-Method: POST\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 204 ", pre, StringComparison.Ordinal);
            Assert.Contains("Access-Control-Allow-Methods: GET, POST, OPTIONS", pre, StringComparison.Ordinal);
        }

        await using var strict = new TestServer(o =>
        {
            o.AllowedOrigins.Clear();
            o.AllowedOrigins.Add("http://good.example");
        });
        var ok = await RawAsync(strict.Port, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: http://good.example\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 ", ok, StringComparison.Ordinal);
        Assert.Contains("Access-Control-Allow-Origin: http://good.example\r\n", ok, StringComparison.Ordinal);
        var bad = await RawAsync(strict.Port, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: http://evil.example\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403 ", bad, StringComparison.Ordinal);
        var badWs = await RawAsync(strict.Port, Upgrade("EIO=4&transport=websocket", "http://evil.example"));
        Assert.StartsWith("HTTP/1.1 403 ", badWs, StringComparison.Ordinal);
        var goodWs = await RawAsync(strict.Port, Upgrade("EIO=4&transport=websocket", "http://good.example"));
        Assert.StartsWith("HTTP/1.1 101 ", goodWs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectTimeoutClosesAClientThatAnswersPingsButNeverConnects()
    {
        await using var server = new TestServer(o =>
        {
            o.PingInterval = 100;
            o.PingTimeout = 2000;
            o.ConnectTimeout = 600;
        });
        using var silent = await OpenAsync(server);
        using var joined = await OpenAsync(server);
        await SendAsync(joined, "40");
        Assert.StartsWith("40{\"sid\":", await ReceiveTextAsync(joined), StringComparison.Ordinal);
        Assert.Equal("42[\"welcome\",{}]", await ReceiveTextAsync(joined));

        // The silent client answers every ping (ReceiveTextAsync pongs) and is still closed.
        Assert.StartsWith("<close", await ReceiveTextAsync(silent), StringComparison.Ordinal);
        await SendAsync(joined, "42[\"echo\",1]");
        Assert.Equal("42[\"echo-back\",1]", await ReceiveTextAsync(joined));
    }

    [Fact]
    public async Task SocketIOWorksOverPollingIncludingBinaryAttachments()
    {
        // No pings during the test: this client does not answer them.
        await using var server = new TestServer(o => o.PingInterval = 20_000);
        using var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = s_timeout };
        var open = await http.GetStringAsync("/socket.io/?EIO=4&transport=polling");
        var sid = open[(open.IndexOf("\"sid\":\"", StringComparison.Ordinal) + 7)..][..16];
        var url = "/socket.io/?EIO=4&transport=polling&sid=" + sid;
        Assert.Equal("ok", await (await http.PostAsync(url, new StringContent("40"))).Content.ReadAsStringAsync());
        var resp = await http.GetAsync(url);
        var respText = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, respText);
        var connect = respText.Split('\x1e');
        Assert.StartsWith("40{\"sid\":\"", connect[0], StringComparison.Ordinal);
        Assert.Equal("42[\"welcome\",{}]", connect[1]);

        var post = "451-[\"echo\",{\"_placeholder\":true,\"num\":0}]\u001ebAQID";
        Assert.Equal("ok", await (await http.PostAsync(url, new StringContent(post))).Content.ReadAsStringAsync());
        var back = await http.GetStringAsync(url);
        Assert.Equal("451-[\"echo-back\",{\"_placeholder\":true,\"num\":0}]\u001ebAQID", back);
    }

    [Fact]
    public async Task ServerEmitWithAckTimesOutWhenTheClientNeverAnswers()
    {
        await using var server = new TestServer();
        using var ws = await OpenAsync(server);
        await SendAsync(ws, "40");
        await ReceiveTextAsync(ws);
        await ReceiveTextAsync(ws);
        await SendAsync(ws, "42[\"ask-silent\"]");
        var question = await ReceiveTextAsync(ws);
        Assert.Matches("^42[0-9]+\\[\"silent-question\"\\]$", question);
        var deadline = DateTime.UtcNow + s_timeout;
        while (server.Handler.AckTimeouts.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal("silent", Assert.Single(server.Handler.AckTimeouts));
        Assert.Equal(0, server.IO.PendingAckCount);
    }

    [Fact]
    public async Task ManyConcurrentClientsEachGetTheirOwnReplies()
    {
        await using var server = new TestServer();
        var tasks = Enumerable.Range(0, 40).Select(async i =>
        {
            using var ws = await OpenAsync(server);
            await SendAsync(ws, "40");
            await ReceiveTextAsync(ws);
            await ReceiveTextAsync(ws);
            for (var k = 0; k < 5; k++)
            {
                await SendAsync(ws, $"42[\"echo\",{i},{k}]");
                Assert.Equal($"42[\"echo-back\",{i},{k}]", await ReceiveTextAsync(ws));
            }

            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(s_timeout);
        });
        await Task.WhenAll(tasks);
        Assert.Equal(40, server.IO.Counters.Handshakes);
    }

    [Theory]
    [InlineData("4abc")]
    [InlineData("42{}")]
    [InlineData("42abc[\"x\"]")]
    [InlineData("x")]
    [InlineData("451-[\"echo\"]")]
    public async Task AMalformedClientIsClosedAndAnotherIsUnaffected(string garbage)
    {
        await using var server = new TestServer();
        using var good = await OpenAsync(server);
        await SendAsync(good, "40");
        await ReceiveTextAsync(good);
        await ReceiveTextAsync(good);
        using var bad = await OpenAsync(server);
        await SendAsync(bad, "40");
        await ReceiveTextAsync(bad);
        await ReceiveTextAsync(bad);
        await SendAsync(bad, garbage);
        if (garbage.StartsWith("451-", StringComparison.Ordinal))
        {
            await SendAsync(bad, "4text-instead-of-attachment");
        }

        Assert.StartsWith("<close", await ReceiveTextAsync(bad), StringComparison.Ordinal);
        await SendAsync(good, "42[\"echo\",\"fine\"]");
        Assert.Equal("42[\"echo-back\",\"fine\"]", await ReceiveTextAsync(good));

        // The close frame may reach the client before the server's handler has been told (it is sent first).
        var deadline = DateTime.UtcNow + s_timeout;
        while (DateTime.UtcNow < deadline && !server.Handler.Disconnects.Any(d => d.Reason == DisconnectReason.ParseError))
        {
            await Task.Delay(20);
        }

        Assert.Contains(server.Handler.Disconnects, d => d.Reason == DisconnectReason.ParseError);
    }

    [Fact]
    public async Task RouterAnswersHealthAndRefusesUnknownPathsMethodsAndHeaderBombs()
    {
        await using var server = new TestServer();
        var health = await RawAsync(server.Port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 ", health, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nok", health, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 404 ", await RawAsync(server.Port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 405 ", await RawAsync(server.Port, "DELETE /health HTTP/1.1\r\nHost: x\r\n\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 431 ", await RawAsync(server.Port, "GET / HTTP/1.1\r\nX: " + new string('a', 20_000) + "\r\n\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400 ", await RawAsync(server.Port, "GET / HTTP/1.1\r\nBad Header: 1\r\n\r\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConnectionThatDribblesAnIncompleteRequestHeadIsClosed()
    {
        await using var server = new TestServer(configureHttp: o => o.RequestHeadTimeoutMs = 300);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync("GET /health HTTP/1.1\r\nHost: x\r\n"u8.ToArray());

        // Slowloris: one more header byte every 50 ms, never the blank line that ends the head.
        var closed = await Dribble.UntilClosedAsync(stream, "X"u8.ToArray(), s_timeout);

        Assert.True(closed, "the server kept a connection whose request head never completed");
    }

    [Fact]
    public async Task AKeepAliveConnectionServesRequestsSpacedLessThanTheHeadTimeout()
    {
        await using var server = new TestServer(configureHttp: o => o.RequestHeadTimeoutMs = 1000);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = tcp.GetStream();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(s_timeout);
        for (var i = 0; i < 4; i++)
        {
            // Each head arrives in two parts 100 ms apart; 4 requests take longer than one timeout in total.
            await stream.WriteAsync("GET /health HTTP/1.1\r\nHost: x\r\n"u8.ToArray(), cts.Token);
            await Task.Delay(100, cts.Token);
            await stream.WriteAsync("\r\n"u8.ToArray(), cts.Token);
            var text = "";
            while (!text.EndsWith("ok", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, cts.Token);
                Assert.NotEqual(0, n);
                text += Encoding.UTF8.GetString(buffer, 0, n);
            }

            Assert.StartsWith("HTTP/1.1 200 ", text, StringComparison.Ordinal);
            await Task.Delay(300, cts.Token);
        }
    }

    [Fact]
    public async Task AClientThatStopsReadingIsDroppedAsASlowConsumer()
    {
        await using var server = new TestServer(o =>
        {
            o.MaxOutboundBytes = 64 * 1024;
            o.PingInterval = 20_000;
        });
        using var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = s_timeout };

        // Polling session that never polls: every send queues until the limit is passed.
        var open = await http.GetStringAsync("/socket.io/?EIO=4&transport=polling");
        var sid = open[(open.IndexOf("\"sid\":\"", StringComparison.Ordinal) + 7)..][..16];
        var url = "/socket.io/?EIO=4&transport=polling&sid=" + sid;
        await http.PostAsync(url, new StringContent("40"));
        ISocketIOConnection? conn = null;
        var deadline = DateTime.UtcNow + s_timeout;
        while (!server.Handler.Connected.TryPeek(out conn) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.NotNull(conn);
        var payload = new byte[4096];
        var sent = 0;
        for (var i = 0; i < 100; i++)
        {
            var m = OutboundMessage.CreateEvent(default, payload.Length + 16);
            m.Write("[\"big\",\""u8);
            m.Write(Enumerable.Repeat((byte)'a', payload.Length).ToArray());
            m.Write("\"]"u8);
            m.Complete();
            if (conn.Send(m))
            {
                sent++;
            }

            m.Release();
        }

        Assert.InRange(sent, 1, 20);
        Assert.Contains(server.Handler.Disconnects, d => d.Reason == DisconnectReason.SlowConsumer);
        Assert.Equal(1, server.IO.Counters.SlowConsumers);
    }
}
