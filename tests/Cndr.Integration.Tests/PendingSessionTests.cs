using System.Net;
using Cndr.Integration.Tests.Infrastructure;

namespace Cndr.Integration.Tests;

/// <summary>
/// A node's caps on connections that have not joined a room (MAX_PENDING_SESSIONS_PER_IP) and the handshake timeout
/// for a polling session that never connects the namespace: the relay marks a connection established when it joins.
/// </summary>
public sealed class PendingSessionTests : IAsyncLifetime
{
    private readonly JsClients _js = JsClients.Start();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _js.DisposeAsync();

    [Fact]
    public async Task JoinedClientsLeaveThePerIpCapOfConnectionsNotYetJoined()
    {
        await using var node = await TestNode.StartAsync(configure: s => s.MaxPendingSessionsPerIp = 3);
        var (code, _) = await node.CreateRoomAsync();

        // Five players join one after another (default options: polling, then WebSocket): each is established once joined.
        for (var i = 0; i < 5; i++)
        {
            var c = await _js.ConnectAsync($"p{i}", node.Url, new { auth = new { roomCode = code, role = "player" } });
            Assert.True(c.Connected, c.ErrorMessage);
            Assert.Equal("success", (await _js.NextAsync($"p{i}", "handshake_response"))!["status"]!.GetValue<string>());
        }

        // Connections that never join: three are held, the fourth is refused.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = node.Url + "/socket.io/?EIO=4&transport=polling";
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task APollingSessionThatNeverConnectsIsClosedByTheHandshakeTimeout()
    {
        await using var node = await TestNode.StartAsync(configure: s => s.HandshakeTimeoutMs = 300);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = node.Url + "/socket.io/?EIO=4&transport=polling";
        var sid = (await http.GetStringAsync(url)).Substring(9, 16);

        // Bounded: the session is gone (400) or its pending poll carries the close packet.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var res = await http.GetAsync($"{url}&sid={sid}");
            var body = await res.Content.ReadAsStringAsync();
            if (res.StatusCode == HttpStatusCode.BadRequest || body == "1")
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the session outlived the handshake timeout: " + body);
        }
    }
}
