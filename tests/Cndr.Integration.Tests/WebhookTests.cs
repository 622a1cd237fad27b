using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cndr.Core.Relay;
using Cndr.Integration.Tests.Infrastructure;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// Webhooks (PROTOCOL "Webhooks"): a node with WEBHOOK_URL posts room lifecycle events, signed with
/// HMAC-SHA256 over timestamp + "." + body, to a local receiver; a receiver that answers 500 at first still gets
/// the event once it recovers (retry with backoff), and /metrics counts what was sent.
/// </summary>
public sealed class WebhookTests : IAsyncLifetime
{
    private const string Secret = "webhook-test-secret";
    private JsClients _js = null!;

    public Task InitializeAsync()
    {
        _js = JsClients.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _js.DisposeAsync();

    [Fact]
    public async Task LifecycleEventsArriveSignedAndAFailingReceiverGetsThemOnRetry()
    {
        // The receiver refuses the first two POSTs with 500, then accepts.
        using var receiver = new Receiver(failFirst: 2);
        await using var node = await TestNode.StartAsync(configure: s =>
        {
            s.WebhookUrl = receiver.Url;
            s.WebhookSecret = Secret;
            s.WebhookBackoffMs = 20;
        });
        var (code, hostKey) = await node.CreateRoomAsync();
        await _js.HostAsync("host", node.Url, code, hostKey);
        await _js.PlayerAsync("p1", node.Url, code, meta: new { playerName = "Ann" });
        await _js.NextAsync("host", "client_joined");
        await _js.DisconnectAsync("host");
        Assert.True(Cndr.Core.RoomCode.TryParse(code, out var roomCode));
        await node.Node.Relay.CloseRoomAsync(roomCode, RoomCloseReason.ClosedByHost);

        var activated = await receiver.WaitForAsync("room_activated");
        Assert.Equal(code, Str(activated, "roomCode"));
        Assert.Equal(node.Node.Relay.NodeId, Str(activated, "nodeId"));
        Assert.Equal("host", Str(await receiver.WaitForAsync("host_connected"), "role"));
        var joined = await receiver.WaitForAsync("client_joined");
        Assert.Equal("player", Str(joined, "role"));
        Assert.False(string.IsNullOrEmpty(Str(joined, "clientId")));
        Assert.Equal("disconnected", Str(await receiver.WaitForAsync("host_disconnected"), "reason"));
        Assert.Equal("closed_by_host", Str(await receiver.WaitForAsync("room_closed"), "reason"));

        // Every delivered body carried a valid signature; the refused attempts were retried, not lost.
        Assert.Equal(0, receiver.BadSignatures);
        Assert.Equal(2, receiver.Refused);
        Assert.Single(receiver.Events, e => Str(e, "type") == "room_activated");
        var metrics = await (await TestNode.GetAsync(node.Url + "/metrics")).Content.ReadAsStringAsync();
        Assert.Contains("cndr_webhook_retries_total 2", metrics);
        Assert.Contains("cndr_webhook_events_total{outcome=\"failed\"} 0", metrics);
    }

    [Fact]
    public void SignatureIsHmacSha256OfTimestampDotBody()
    {
        var body = """{"type":"room_closed"}"""u8.ToArray();
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes("1700000000." + """{"type":"room_closed"}""")));
        Assert.Equal(expected, Cndr.Host.Webhooks.WebhookSender.Sign(Encoding.UTF8.GetBytes(Secret), "1700000000", body));
        Assert.NotEqual(expected, Cndr.Host.Webhooks.WebhookSender.Sign(Encoding.UTF8.GetBytes("other"), "1700000000", body));
    }

    /// <summary>A local HTTP receiver on 127.0.0.1 that checks each signature and keeps the accepted events.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<JsonNode> _events = new();
        private readonly Task _loop;
        private int _failLeft;
        private int _refused;
        private int _badSignatures;

        public Receiver(int failFirst)
        {
            _failLeft = failFirst;
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            var port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            Url = $"http://127.0.0.1:{port}/hooks/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public int Refused => Volatile.Read(ref _refused);

        public int BadSignatures => Volatile.Read(ref _badSignatures);

        public IReadOnlyCollection<JsonNode> Events => _events.ToArray();

        public async Task<JsonNode> WaitForAsync(string type, int timeoutMs = 15_000)
        {
            var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
            while (DateTime.UtcNow < deadline)
            {
                if (_events.FirstOrDefault(e => Str(e, "type") == type) is { } e)
                {
                    return e;
                }

                await Task.Delay(20);
            }

            throw new TimeoutException($"no {type} webhook; got: {string.Join(", ", _events.Select(e => Str(e, "type")))}");
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var ms = new MemoryStream();
                await ctx.Request.InputStream.CopyToAsync(ms);
                var body = ms.ToArray();
                if (Interlocked.Decrement(ref _failLeft) >= 0)
                {
                    Interlocked.Increment(ref _refused);
                    ctx.Response.StatusCode = 500;
                    ctx.Response.Close();
                    continue;
                }

                var timestamp = ctx.Request.Headers["X-Cndr-Timestamp"] ?? "";
                var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray();
                var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), signed));
                if (timestamp.Length == 0 || ctx.Request.Headers["X-Cndr-Signature"] != expected)
                {
                    Interlocked.Increment(ref _badSignatures);
                }

                _events.Enqueue(JsonNode.Parse(body)!);
                ctx.Response.StatusCode = 204;
                ctx.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Close();
            _loop.Wait(5000);
        }
    }
}
