using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Cndr.Integration.Tests.Infrastructure;
using Cndr.Testing;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// The operator's admin API: nodes, paged rooms, one room with members and live poll tallies, the game state, kick,
/// the error shape, one time unit (Unix ms), and who may call it without a token.
/// </summary>
public sealed class AdminApiTests : IAsyncLifetime
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private JsClients _js = null!;
    private RedisServer _redis = null!;

    public async Task InitializeAsync()
    {
        _js = JsClients.Start();
        _redis = await RedisServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _js.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private static async Task<(int Status, JsonNode? Body)> CallAsync(TestNode node, HttpMethod method, string path, object? body = null, string? token = "default")
    {
        using var req = new HttpRequestMessage(method, node.Url + path);
        if (body is not null)
        {
            req.Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            req.Headers.Authorization = new("Bearer", token == "default" ? node.Settings.AdminToken : token);
        }

        using var res = await s_http.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        return ((int)res.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    private static void AssertAdminError(int status, string code, (int Status, JsonNode? Body) r)
    {
        Assert.Equal(status, r.Status);
        Assert.Equal(code, r.Body?["error"]?["code"]?.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(r.Body?["error"]?["message"]?.GetValue<string>()));
    }

    private static async Task<JsonNode> WaitAsync(Func<Task<JsonNode?>> read, Func<JsonNode, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        JsonNode? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await read();
            if (last is not null && done(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"{what} never happened; last: {last?.ToJsonString()}");
    }

    [Fact]
    public async Task NodesListsEveryNodeWithPrimaryHeartbeatAndConnectionsByRole()
    {
        await using var a = await TestNode.StartAsync(_redis, s => s.NodeStatusIntervalMs = 100);
        await using var b = await TestNode.StartAsync(_redis, s => s.NodeStatusIntervalMs = 100);
        var (code, key) = await a.CreateRoomAsync();
        await _js.HostAsync("h", a.Url, code, key);
        await _js.PlayerAsync("p", b.Url, code, transport: "polling");
        await _js.AudienceAsync("au", b.Url, code);

        var view = await WaitAsync(
            async () => (await CallAsync(b, HttpMethod.Get, "/admin/nodes")).Body,
            v => v["nodes"]!.AsArray().Any(n => n!["id"]!.GetValue<string>() == b.NodeId && n["status"]?["connections"]?["audience"]?.GetValue<long>() == 1),
            "b's status with its audience member");
        var nodes = view["nodes"]!.AsArray().ToDictionary(n => n!["id"]!.GetValue<string>());
        Assert.Equal(2, nodes.Count);
        Assert.True(nodes[a.NodeId]!["primary"]!.GetValue<bool>());
        Assert.False(nodes[b.NodeId]!["primary"]!.GetValue<bool>());
        Assert.True(nodes[b.NodeId]!["self"]!.GetValue<bool>());
        Assert.True(nodes[a.NodeId]!["alive"]!.GetValue<bool>());
        Assert.InRange(nodes[a.NodeId]!["heartbeatAgeMs"]!.GetValue<long>(), 0, 60_000);
        Assert.True(nodes[a.NodeId]!["lastHeartbeat"]!.GetValue<long>() > 1_000_000_000_000); // Unix ms
        Assert.Equal(1, nodes[b.NodeId]!["status"]!["connections"]!["player"]!.GetValue<long>());
        Assert.Equal(b.Url, nodes[b.NodeId]!["status"]!["url"]!.GetValue<string>());
        Assert.False(nodes[b.NodeId]!["status"]!["draining"]!.GetValue<bool>());
        await WaitAsync(
            async () => (await CallAsync(b, HttpMethod.Get, "/admin/nodes")).Body,
            v => v["nodes"]!.AsArray().Any(n => n!["id"]!.GetValue<string>() == a.NodeId && n["status"]?["connections"]?["host"]?.GetValue<long>() == 1),
            "a's status with its host");
    }

    [Fact]
    public async Task RoomsArePagedAndSortedByLastActivity()
    {
        await using var node = await TestNode.StartAsync();
        var codes = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (code, key) = await node.CreateRoomAsync();
            await _js.HostAsync("h" + i, node.Url, code, key);
            AssertOk(await _js.EmitAsync("h" + i, "set_game_state", new { state = new { i } }));
            codes.Add(code);
            await Task.Delay(20); // distinct lastActivity milliseconds
        }

        await node.CreateRoomAsync(); // never used: not listed (no activity yet)
        var first = await CallAsync(node, HttpMethod.Get, "/admin/rooms?limit=2");
        Assert.Equal(200, first.Status);
        Assert.Equal(3, first.Body!["total"]!.GetValue<int>());
        Assert.Equal([codes[2], codes[1]], first.Body["rooms"]!.AsArray().Select(r => r!["roomCode"]!.GetValue<string>()));
        var second = await CallAsync(node, HttpMethod.Get, "/admin/rooms?limit=2&offset=2");
        Assert.Equal([codes[0]], second.Body!["rooms"]!.AsArray().Select(r => r!["roomCode"]!.GetValue<string>()));
        var oldest = await CallAsync(node, HttpMethod.Get, "/admin/rooms?sort=lastActivity");
        Assert.Equal(codes, oldest.Body!["rooms"]!.AsArray().Select(r => r!["roomCode"]!.GetValue<string>()));

        var room = first.Body["rooms"]![0]!;
        Assert.True(room["hostConnected"]!.GetValue<bool>());
        Assert.Equal(node.NodeId, room["hostNodeId"]!.GetValue<string>());
        Assert.Equal(1, room["gameStateRev"]!.GetValue<long>());
        Assert.True(room["createdAt"]!.GetValue<long>() > 1_000_000_000_000); // milliseconds, like lastActivity
        Assert.InRange(room["lastActivity"]!.GetValue<long>() - room["createdAt"]!.GetValue<long>(), -1000, 60_000);

        AssertAdminError(400, "INVALID_QUERY", await CallAsync(node, HttpMethod.Get, "/admin/rooms?sort=size"));
        AssertAdminError(400, "INVALID_QUERY", await CallAsync(node, HttpMethod.Get, "/admin/rooms?limit=0"));
        AssertAdminError(400, "INVALID_QUERY", await CallAsync(node, HttpMethod.Get, "/admin/rooms?offset=-1"));
    }

    [Fact]
    public async Task ARoomHasItsMembersAndItsActivePollsWithLiveTallies()
    {
        await using var node = await TestNode.StartAsync();
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("h", node.Url, code, key);
        var p1 = await _js.PlayerAsync("p1", node.Url, code);
        var p2 = await _js.PlayerAsync("p2", node.Url, code, transport: "polling");
        await _js.AudienceAsync("a1", node.Url, code);
        await _js.AudienceAsync("a2", node.Url, code);
        await _js.DisconnectAsync("p2");
        await _js.NextAsync("h", "client_disconnected");
        AssertOk(await _js.EmitAsync("h", "poll_start", new { pollId = "q1", type = "single_choice", question = "Which?", options = new[] { "red", "blue" } }));
        AssertOk(await _js.EmitAsync("h", "poll_start", new { pollId = "old", type = "free_text", question = "Gone" }));
        AssertOk(await _js.EmitAsync("h", "poll_end", new { pollId = "old" }));
        AssertOk(await _js.EmitAsync("a1", "poll_response", new { pollId = "q1", response = "option_1" }));
        AssertOk(await _js.EmitAsync("a2", "poll_response", new { pollId = "q1", response = "option_1" }));

        var (status, room) = await CallAsync(node, HttpMethod.Get, "/admin/rooms/" + code);
        Assert.Equal(200, status);
        Assert.Equal(code, room!["roomCode"]!.GetValue<string>());
        Assert.Equal(5, room["memberCount"]!.GetValue<int>());
        var members = room["members"]!.AsArray().ToDictionary(m => m!["clientId"]!.GetValue<string>());
        Assert.Equal("player", members[Str(p1, "clientId")!]!["role"]!.GetValue<string>());
        Assert.True(members[Str(p1, "clientId")!]!["connected"]!.GetValue<bool>());
        Assert.False(members[Str(p2, "clientId")!]!["connected"]!.GetValue<bool>());
        Assert.Null(members[Str(p2, "clientId")!]!["nodeId"]?.GetValue<string>());
        Assert.Equal(2, members.Values.Count(m => m!["role"]!.GetValue<string>() == "audience"));
        var host = Assert.Single(members.Values, m => m!["role"]!.GetValue<string>() == "host");
        Assert.Equal(node.NodeId, host!["nodeId"]!.GetValue<string>());
        Assert.True(host["joinedAt"]!.GetValue<long>() > 1_000_000_000_000);

        var poll = Assert.Single(room["polls"]!.AsArray());
        Assert.Equal("q1", poll!["pollId"]!.GetValue<string>());
        Assert.Equal(2, poll["responseCount"]!.GetValue<int>());
        Assert.Equal(0, poll["results"]!["option_0"]!.GetValue<int>());
        Assert.Equal(2, poll["results"]!["option_1"]!.GetValue<int>());

        AssertOk(await _js.EmitAsync("a2", "poll_response", new { pollId = "q1", response = "option_0" }));
        var again = (await CallAsync(node, HttpMethod.Get, "/admin/rooms/" + code)).Body!;
        Assert.Equal(1, again["polls"]![0]!["results"]!["option_0"]!.GetValue<int>());
    }

    [Fact]
    public async Task StateHasTheGameStateAndItsRevision()
    {
        await using var node = await TestNode.StartAsync();
        var (code, key) = await node.CreateRoomAsync();
        var empty = await CallAsync(node, HttpMethod.Get, $"/admin/rooms/{code}/state");
        Assert.Equal(200, empty.Status);
        Assert.Equal(0, empty.Body!["gameStateRev"]!.GetValue<long>());
        Assert.Null(empty.Body["gameState"]);

        await _js.HostAsync("h", node.Url, code, key);
        AssertOk(await _js.EmitAsync("h", "set_game_state", new { state = new { phase = "lobby" } }));
        AssertOk(await _js.EmitAsync("h", "set_game_state", new { state = new { phase = "vote", round = 2 } }));
        var (status, body) = await CallAsync(node, HttpMethod.Get, $"/admin/rooms/{code}/state");
        Assert.Equal(200, status);
        Assert.Equal(2, body!["gameStateRev"]!.GetValue<long>());
        AssertJsonEqual("""{"phase":"vote","round":2}""", body["gameState"]);

        AssertAdminError(404, "ROOM_NOT_FOUND", await CallAsync(node, HttpMethod.Get, "/admin/rooms/ZZZZZ9/state"));
        AssertAdminError(404, "NOT_FOUND", await CallAsync(node, HttpMethod.Get, $"/admin/rooms/{code}/nope"));
    }

    [Fact]
    public async Task KickRemovesAPlayerOnAnotherNodeAndFreesItsSeat()
    {
        await using var a = await TestNode.StartAsync(_redis);
        await using var b = await TestNode.StartAsync(_redis);
        var (code, key) = await a.CreateRoomAsync();
        await _js.HostAsync("h", a.Url, code, key);
        var joined = await _js.PlayerAsync("p", b.Url, code, transport: "polling");
        await _js.NextAsync("h", "client_joined");
        var clientId = Str(joined, "clientId")!;

        var (status, body) = await CallAsync(a, HttpMethod.Post, $"/admin/rooms/{code}/kick", new { clientId });
        Assert.Equal(200, status);
        Assert.True(body!["kicked"]!.GetValue<bool>());
        var error = await _js.NextAsync("p", "relay_error", 5000);
        Assert.Equal("KICKED", error!["code"]!.GetValue<string>());
        await _js.NextAsync("p", "disconnect", 5000);
        var left = await _js.NextAsync("h", "client_left", 5000);
        Assert.Equal(clientId, Str(left, "clientId"));
        Assert.Equal("kicked", Str(left, "reason"));

        // The seat is gone: its token no longer reclaims it, and the room counts no player.
        var back = await _js.ConnectAsync("p-again", b.Url, Options("websocket", new { roomCode = code, role = "player", clientId, seatToken = Str(joined, "seatToken") }));
        Assert.False(back.Connected);
        Assert.Equal("SEAT_NOT_FOUND", back.ErrorData?["code"]?.GetValue<string>());
        Assert.Equal(0, (await CallAsync(a, HttpMethod.Get, "/admin/rooms/" + code)).Body!["playerCount"]!.GetValue<int>());

        AssertAdminError(404, "CLIENT_NOT_FOUND", await CallAsync(a, HttpMethod.Post, $"/admin/rooms/{code}/kick", new { clientId }));
        AssertAdminError(400, "INVALID_PAYLOAD", await CallAsync(a, HttpMethod.Post, $"/admin/rooms/{code}/kick", new { who = 1 }));
        AssertAdminError(404, "ROOM_NOT_FOUND", await CallAsync(a, HttpMethod.Post, "/admin/rooms/ZZZZZ9/kick", new { clientId }));
        AssertAdminError(404, "NOT_FOUND", await CallAsync(a, HttpMethod.Post, $"/admin/rooms/{code}/ban", new { clientId }));
    }

    [Fact]
    public async Task ErrorsHaveACodeAMessageAndTheRightStatus()
    {
        await using var node = await TestNode.StartAsync();
        AssertAdminError(401, "UNAUTHORIZED", await CallAsync(node, HttpMethod.Get, "/admin/nodes", token: null));
        AssertAdminError(401, "UNAUTHORIZED", await CallAsync(node, HttpMethod.Get, "/admin/rooms", token: "wrong"));
        AssertAdminError(400, "INVALID_PAYLOAD", await CallAsync(node, HttpMethod.Get, "/admin/rooms/ab"));
        AssertAdminError(404, "ROOM_NOT_FOUND", await CallAsync(node, HttpMethod.Get, "/admin/rooms/ZZZZZ9"));
        AssertAdminError(404, "ROOM_NOT_FOUND", await CallAsync(node, HttpMethod.Delete, "/admin/rooms/ZZZZZ9"));
    }

    [Theory]
    [InlineData(null, null, 200)]
    [InlineData("X-Forwarded-For: 203.0.113.9", null, 403)]
    [InlineData("Forwarded: for=203.0.113.9", null, 403)]
    [InlineData(null, "evil.example:8080", 403)]
    [InlineData(null, "localhost", 200)]
    [InlineData(null, "[::1]:1234", 200)]
    public async Task WithoutATokenOnlyADirectLoopbackRequestIsTrusted(string? extraHeader, string? hostHeader, int expected)
    {
        await using var node = await TestNode.StartAsync(configure: s => s.AdminToken = null);
        var status = await RawGetAsync(node.Node.Port, "/admin/rooms", hostHeader ?? $"127.0.0.1:{node.Node.Port}", extraHeader);
        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task WithATokenALoopbackRequestStillNeedsIt()
    {
        await using var node = await TestNode.StartAsync();
        Assert.Equal(401, await RawGetAsync(node.Node.Port, "/admin/rooms", $"127.0.0.1:{node.Node.Port}", null));
    }

    /// <summary>A GET with exactly the Host and extra header given (HttpClient would set Host itself).</summary>
    private static async Task<int> RawGetAsync(int port, string path, string host, string? extraHeader)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        var head = $"GET {path} HTTP/1.1\r\nHost: {host}\r\n{(extraHeader is null ? "" : extraHeader + "\r\n")}Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return int.Parse(statusLine!.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
