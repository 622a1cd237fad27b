using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cndr.Host;
using Cndr.Host.Configuration;
using Cndr.Host.Logging;
using Cndr.Testing;

namespace Cndr.Integration.Tests.Infrastructure;

/// <summary>
/// A whole cndr node in the test process on a free loopback port: the same composition as the executable
/// (<see cref="CndrNode"/>), on the embedded store or on a real redis-server. Its log lines are captured.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    // Loopback only; nodes under test may serve TLS with a certificate made at test time.
    private static readonly HttpClient s_http = new(new HttpClientHandler { ServerCertificateCustomValidationCallback = static (_, _, _, _) => true })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    private readonly StringWriter _log;

    private TestNode(CndrNode node, StringWriter log, CndrSettings settings)
    {
        Node = node;
        _log = log;
        Settings = settings;
    }

    internal CndrNode Node { get; }

    internal CndrSettings Settings { get; }

    public string Url => $"{(string.IsNullOrEmpty(Settings.TlsCertPath) ? "http" : "https")}://127.0.0.1:{Node.Port}";

    public string NodeId => Node.NodeId;

    /// <summary>Everything the node logged so far (one JSON object per line).</summary>
    public string Logs
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    internal static async Task<TestNode> StartAsync(IRedisDeployment? redis = null, Action<CndrSettings>? configure = null)
    {
        var settings = new CndrSettings
        {
            Port = 0,
            BindAddress = "127.0.0.1",
            DemoRoom = false,
            LogLevel = "debug",
            AdminToken = "test-admin-token",
        };
        if (redis is not null)
        {
            settings.RedisHost = redis.Host;
            settings.RedisPort = redis.Port;
            settings.RedisCluster = redis.IsCluster;
        }

        configure?.Invoke(settings);
        var log = new StringWriter();
        var loggers = LoggingSetup.Create(settings, TextWriter.Synchronized(log));
        var node = await CndrNode.StartAsync(settings, loggers);
        return new TestNode(node, log, settings);
    }

    public async Task<(string Code, string HostKey)> CreateRoomAsync(string? password = null, int maxPlayers = 0, int maxAudience = 0, string? roomCode = null)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, Url + "/admin/rooms")
        {
            // A Content-Length body (our HTTP layer answers chunked request bodies with 501).
            Content = new StringContent(JsonSerializer.Serialize(new { password, maxPlayers, maxAudience, roomCode }), System.Text.Encoding.UTF8, "application/json"),
        };
        req.Headers.Authorization = new("Bearer", Settings.AdminToken);
        using var res = await s_http.SendAsync(req);
        var body = await res.Content.ReadAsStringAsync();
        Assert.True(res.StatusCode == HttpStatusCode.Created, $"create room: {(int)res.StatusCode} {body}");
        var json = JsonNode.Parse(body)!;
        return (json["roomCode"]!.GetValue<string>(), json["hostKey"]!.GetValue<string>());
    }

    public async Task<int> GetRoomStatusAsync(string code)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, $"{Url}/admin/rooms/{code}");
        req.Headers.Authorization = new("Bearer", Settings.AdminToken);
        using var res = await s_http.SendAsync(req);
        return (int)res.StatusCode;
    }

    public async Task<JsonNode?> GetRoomAsync(string code)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, $"{Url}/admin/rooms/{code}");
        req.Headers.Authorization = new("Bearer", Settings.AdminToken);
        using var res = await s_http.SendAsync(req);
        return res.IsSuccessStatusCode ? JsonNode.Parse(await res.Content.ReadAsStringAsync()) : null;
    }

    public static async Task<HttpResponseMessage> GetAsync(string url) => await s_http.GetAsync(url);

    /// <summary>Every key of the Redis server(s) matching <paramref name="pattern"/> (SCAN).</summary>
    public Task<List<string>> RedisKeysAsync(IRedisDeployment redis, string pattern) => redis.KeysAsync(pattern);

    public async ValueTask DisposeAsync() => await Node.DisposeAsync();
}
