using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Cndr.Integration.Tests.Infrastructure;
using Cndr.Testing;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>Health, readiness, metrics, logs, drain, origins and TLS: what an operator relies on.</summary>
public sealed class OperationsTests : IAsyncLifetime
{
    private JsClients _js = null!;

    public Task InitializeAsync()
    {
        _js = JsClients.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _js.DisposeAsync();

    private static async Task<(int Status, JsonNode? Body)> GetJsonAsync(string url)
    {
        using var res = await TestNode.GetAsync(url);
        var text = await res.Content.ReadAsStringAsync();
        return ((int)res.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    [Fact]
    public async Task HealthOnTheEmbeddedStoreHasNoRedisBlockAndCountsConnectionsByRole()
    {
        await using var node = await TestNode.StartAsync();
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("h", node.Url, code, key);
        await _js.PlayerAsync("p", node.Url, code);
        await _js.AudienceAsync("a", node.Url, code);

        var (status, body) = await GetJsonAsync(node.Url + "/health");
        Assert.Equal(200, status);
        Assert.Equal("ok", Str(body, "status"));
        Assert.Equal(node.NodeId, Str(body!["node"], "id"));
        Assert.True(body["node"]!["registered"]!.GetValue<bool>());
        Assert.True(body["node"]!["isPrimary"]!.GetValue<bool>());
        Assert.Null(body["redis"]);
        Assert.Equal(1, Num(body["connections"], "host"));
        Assert.Equal(1, Num(body["connections"], "player"));
        Assert.Equal(1, Num(body["connections"], "audience"));
        Assert.Equal(3, Num(body["connections"], "total"));

        Assert.Equal(200, (await GetJsonAsync(node.Url + "/ready")).Status);
    }

    [Fact]
    public async Task HealthTurns503WhenRedisStopsAndBackWhenItReturns()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var node = await TestNode.StartAsync(redis, s => s.HeartbeatIntervalMs = 100);
        var (status, body) = await GetJsonAsync(node.Url + "/health");
        Assert.Equal(200, status);
        Assert.True(body!["redis"]!["connected"]!.GetValue<bool>());
        Assert.True(body["redis"]!["latency"]!.GetValue<double>() >= 0);

        redis.Kill();
        (status, body) = await GetJsonAsync(node.Url + "/health");
        Assert.Equal(503, status);
        Assert.False(body!["redis"]!["connected"]!.GetValue<bool>());

        await redis.RestartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(100);
            (status, _) = await GetJsonAsync(node.Url + "/health");
        }
        while (status != 200 && DateTime.UtcNow < deadline);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task NodeAuthenticatesToRedisWithAPasswordAndNeverLogsIt()
    {
        await using var redis = await RedisServer.StartAsync(password: "r3dis-Pa55word");
        await using var node = await TestNode.StartAsync(redis, s => s.RedisPassword = "r3dis-Pa55word");
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("h", node.Url, code, key);
        var (status, body) = await GetJsonAsync(node.Url + "/health");
        Assert.Equal(200, status);
        Assert.True(body!["redis"]!["connected"]!.GetValue<bool>());
        Assert.DoesNotContain("r3dis-Pa55word", node.Logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsCountAKnownScenarioExactly()
    {
        await using var node = await TestNode.StartAsync(configure: s => s.RateLimitMessages = 2);
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("h", node.Url, code, key);
        await _js.PlayerAsync("p1", node.Url, code);
        await _js.PlayerAsync("p2", node.Url, code, transport: "polling");
        await _js.AudienceAsync("a", node.Url, code);
        for (var i = 0; i < 3; i++)
        {
            AssertOk(await _js.EmitAsync("h", "set_game_state", new { state = i }));
        }

        AssertOk(await _js.EmitAsync("p1", "message_to_host", new { message = 1 }));
        AssertOk(await _js.EmitAsync("p1", "message_to_host", new { message = 2 }));
        AssertError("RATE_LIMITED", await _js.EmitAsync("p1", "message_to_host", new { message = 3 }));
        AssertError("FORBIDDEN", await _js.EmitAsync("a", "set_game_state", new { state = 1 }));
        await _js.DisconnectAsync("a");
        await _js.NextAsync("h", "client_left");

        var text = await (await TestNode.GetAsync(node.Url + "/metrics")).Content.ReadAsStringAsync();
        double M(string series) => Metric(text, series);
        Assert.Equal(1, M("cndr_clients_connected{role=\"host\"}"));
        Assert.Equal(2, M("cndr_clients_connected{role=\"player\"}"));
        Assert.Equal(0, M("cndr_clients_connected{role=\"audience\"}"));
        Assert.Equal(1, M("cndr_clients_joined_total{role=\"audience\"}"));
        Assert.Equal(1, M("cndr_clients_left_total{role=\"audience\"}"));
        Assert.Equal(4, M("cndr_messages_received_total{type=\"set_game_state\"}"));
        Assert.Equal(3, M("cndr_messages_received_total{type=\"message_to_host\"}"));
        Assert.Equal(1, M("cndr_messages_rate_limited_total"));
        Assert.Equal(1, M("cndr_messages_unauthorized_total"));
        Assert.Equal(1, M("cndr_rooms_active"));
        Assert.Equal(1, M("cndr_node_primary"));
        Assert.True(M("cndr_websocket_connections") >= 2);
        Assert.True(M("cndr_transport_sent_bytes_total") > 0);
        Assert.True(M("process_cpu_seconds_total") > 0);
        Assert.True(M("process_working_set_bytes") > 0);
    }

    private static double Metric(string exposition, string series)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new Xunit.Sdk.XunitException($"metric {series} not found in:\n{exposition}");
    }

    [Fact]
    public async Task LogsAreJsonWithTheDesignEventsAndNeverASecret()
    {
        await using var node = await TestNode.StartAsync();
        var (code, key) = await node.CreateRoomAsync(password: "pw-Sup3rSecret");
        var refused = await _js.ConnectAsync("bad", node.Url, Options("websocket", new { roomCode = code, role = "host", hostKey = "wrong-key-value-xyz" }));
        Assert.False(refused.Connected);
        await _js.HostAsync("h", node.Url, code, key);
        var p = await _js.PlayerAsync("p", node.Url, code, "pw-Sup3rSecret");
        await _js.DisconnectAsync("p");
        await _js.JoinByAuthAsync("p2", node.Url, new { roomCode = code, role = "player", password = "pw-Sup3rSecret", clientId = Str(p, "clientId"), seatToken = Str(p, "seatToken") });
        AssertError("FORBIDDEN", await _js.EmitAsync("p2", "close_room", new { }));
        AssertOk(await _js.EmitNoArgsAsync("h", "close_room"));
        await Task.Delay(200);

        var logs = node.Logs;
        foreach (var line in logs.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.NotNull(JsonNode.Parse(line)); // one JSON object per line
        }

        foreach (var evt in new[] { "client_connected", "client_disconnected", "room_activated", "room_closed", "auth_failed", "unauthorized_message", "node_registered", "primary_node_elected" })
        {
            Assert.Contains($"\"{evt}\"", logs, StringComparison.Ordinal);
        }

        foreach (var secret in new[] { key, "pw-Sup3rSecret", "wrong-key-value-xyz", Str(p, "seatToken")! })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DrainTellsClientsWhenToReconnectClosesTheirTransportAndKeepsSeats()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var other = await TestNode.StartAsync(redis);
        var node = await TestNode.StartAsync(redis, s => s.DrainReconnectJitterMs = 2000);
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("h", other.Url, code, key);
        var p = await _js.PlayerAsync("p", node.Url, code);

        var drain = node.Node.DrainAsync(TimeSpan.FromSeconds(5));
        var notice = await _js.NextAsync("p", "server_draining");
        Assert.InRange(Num(notice, "reconnectAfterMs"), 0, 2000);
        // A transport close (not "io server disconnect"): stock clients would reconnect by themselves.
        Assert.Equal("transport close", (await _js.NextAsync("p", "disconnect"))?.GetValue<string>());
        await drain;
        Assert.Equal(503, (await GetJsonAsync(node.Url + "/ready").ContinueWith(t => t.IsFaulted ? (503, null) : t.Result)).Item1);

        // The seat was kept: the player reclaims it on the other node.
        Assert.Equal("player", Str(await _js.NextAsync("h", "client_disconnected"), "role"));
        var back = await _js.JoinByAuthAsync("p-again", other.Url, new { roomCode = code, role = "player", clientId = Str(p, "clientId"), seatToken = Str(p, "seatToken") });
        Assert.True(back["reconnected"]!.GetValue<bool>());
        await node.DisposeAsync();
    }

    [Fact]
    public async Task ConnectionLimitsRefuseTheExtraConnectionAndReadinessReportsTheLimit()
    {
        await using var node = await TestNode.StartAsync(configure: s =>
        {
            s.MaxConnections = 3;
            s.MaxConnectionsPerIp = 3;
        });
        var port = new Uri(node.Url).Port;
        using var c1 = new TcpClient();
        using var c2 = new TcpClient();
        await c1.ConnectAsync(IPAddress.Loopback, port);
        await c2.ConnectAsync(IPAddress.Loopback, port);
        await WaitForConnectionsAsync(node, 2);

        // The third connection is admitted (the limit is 3) and /ready says the node is at its limit.
        var (status, body) = await GetJsonAsync(node.Url + "/ready");
        Assert.Equal(503, status);
        Assert.Equal("at connection limit", Str(body, "reason"));

        // A fourth concurrent connection is closed at once.
        using var c3 = new TcpClient();
        using var c4 = new TcpClient();
        await c3.ConnectAsync(IPAddress.Loopback, port);
        await WaitForConnectionsAsync(node, 3);
        await c4.ConnectAsync(IPAddress.Loopback, port);
        var buf = new byte[16];
        c4.ReceiveTimeout = 5000;
        var read = await c4.GetStream().ReadAsync(buf).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, read);
    }

    [Fact]
    public async Task PerIpLimitClosesTheExtraConnectionFromThatAddress()
    {
        await using var node = await TestNode.StartAsync(configure: s => s.MaxConnectionsPerIp = 2);
        var port = new Uri(node.Url).Port;
        using var c1 = new TcpClient();
        using var c2 = new TcpClient();
        using var c3 = new TcpClient();
        await c1.ConnectAsync(IPAddress.Loopback, port);
        await c2.ConnectAsync(IPAddress.Loopback, port);
        await WaitForConnectionsAsync(node, 2);
        await c3.ConnectAsync(IPAddress.Loopback, port);
        var read = await c3.GetStream().ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, read);

        // The admitted ones still work.
        await c1.GetStream().WriteAsync("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var buf = new byte[64];
        var n = await c1.GetStream().ReadAsync(buf).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(buf, 0, n), StringComparison.Ordinal);
    }

    private static async Task WaitForConnectionsAsync(TestNode node, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (node.Node.OpenConnections < count)
        {
            Assert.True(DateTime.UtcNow < deadline, "connections not seen in time");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task OriginsOutsideAllowedOriginsAreRefused()
    {
        await using var node = await TestNode.StartAsync(configure: s => s.AllowedOrigins = "https://game.example");
        using var http = new HttpClient();
        using (var bad = new HttpRequestMessage(HttpMethod.Get, node.Url + "/socket.io/?EIO=4&transport=polling"))
        {
            bad.Headers.Add("Origin", "https://evil.example");
            using var res = await http.SendAsync(bad);
            Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        }

        using (var good = new HttpRequestMessage(HttpMethod.Get, node.Url + "/socket.io/?EIO=4&transport=polling"))
        {
            good.Headers.Add("Origin", "https://game.example");
            using var res = await http.SendAsync(good);
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
            Assert.Equal("https://game.example", res.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }

        // The WebSocket upgrade is checked too.
        var port = new Uri(node.Url).Port;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        var req = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://evil.example\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(req));
        var buf = new byte[512];
        var n = await stream.ReadAsync(buf);
        Assert.StartsWith("HTTP/1.1 403", Encoding.ASCII.GetString(buf, 0, n), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsServesWssWithAPemCertificate()
    {
        var dir = Directory.CreateTempSubdirectory("cndr-tls");
        try
        {
            using var rsa = RSA.Create(2048);
            var req = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            req.CertificateExtensions.Add(san.Build());
            using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            var certPath = Path.Combine(dir.FullName, "cert.pem");
            var keyPath = Path.Combine(dir.FullName, "key.pem");
            await File.WriteAllTextAsync(certPath, cert.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, rsa.ExportPkcs8PrivateKeyPem());

            await using var node = await TestNode.StartAsync(configure: s =>
            {
                s.TlsCertPath = certPath;
                s.TlsKeyPath = keyPath;
            });
            var url = node.Url;
            Assert.StartsWith("https://", url, StringComparison.Ordinal);

            // Raw TLS handshake to the node, then an HTTP request over it.
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync(IPAddress.Loopback, new Uri(url).Port);
                await using var ssl = new SslStream(tcp.GetStream(), false, (_, c, _, _) => c is not null && c.GetCertHashString() == cert.GetCertHashString());
                await ssl.AuthenticateAsClientAsync("127.0.0.1");
                await ssl.WriteAsync("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"u8.ToArray());
                using var reader = new StreamReader(ssl);
                Assert.StartsWith("HTTP/1.1 200", await reader.ReadLineAsync(), StringComparison.Ordinal);
            }

            // The official client over wss:// (certificate pinned by trusting it for this connection only).
            var (code, key) = await node.CreateRoomAsync();
            var c = await _js.ConnectAsync("tls", url, new Dictionary<string, object?>
            {
                ["transports"] = new[] { "websocket" },
                ["ca"] = cert.ExportCertificatePem(),
                ["auth"] = new { roomCode = code, role = "host", hostKey = key },
            });
            Assert.True(c.Connected, c.ErrorMessage);
            Assert.Equal("success", Str(await _js.NextAsync("tls", "handshake_response"), "status"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
