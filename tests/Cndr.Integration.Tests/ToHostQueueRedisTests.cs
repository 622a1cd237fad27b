using Cndr.Integration.Tests.Infrastructure;
using Cndr.Testing;
using StackExchange.Redis;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// The to-host queue across two nodes on one real redis-server, with the official client: an acked
/// <c>message_to_host</c> is delivered or still queued, however large the backlog.
/// </summary>
public sealed class ToHostQueueRedisTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private readonly List<TestNode> _nodes = [];
    private JsClients _js = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _js = JsClients.Start();
        foreach (var id in new[] { "node-a", "node-b" })
        {
            _nodes.Add(await TestNode.StartAsync(_redis, s =>
            {
                s.NodeId = id;
                s.RateLimitMessages = 1000; // one sender sends the whole backlog
            }));
        }
    }

    public async Task DisposeAsync()
    {
        await _js.DisposeAsync();
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task TwoHundredMessagesOf60KiBQueuedWhileTheHostIsAwayArriveCompleteAndInOrder()
    {
        const int count = 200;
        const int size = 60 * 1024;
        var (a, b) = (_nodes[0], _nodes[1]);
        var (code, key) = await a.CreateRoomAsync();
        var player = await _js.PlayerAsync("p", b.Url, code);

        // 200 × 60 KiB = 12 MiB, twelve times the host's outbound limit (MAX_OUTBOUND_BYTES, 1 MiB).
        for (var i = 0; i < count; i++)
        {
            var text = i.ToString("D3") + new string((char)('a' + (i % 26)), size - 3);
            AssertOk(await _js.EmitAsync("p", "message_to_host", new { message = text }, timeoutMs: 10_000));
        }

        await using var mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var queue = new RedisKey($"room:queue:tohost:{code}");
        Assert.Equal(count, await mux.GetDatabase().ListLengthAsync(queue));

        // The host comes back on the other node: everything arrives, in order, and the host stays connected.
        await _js.HostAsync("host", a.Url, code, key);
        for (var i = 0; i < count; i++)
        {
            var m = await _js.NextAsync("host", "client_message", timeoutMs: 30_000);
            var text = m!["message"]!.GetValue<string>();
            Assert.Equal(size, text.Length);
            Assert.Equal(i.ToString("D3"), text[..3]);
            Assert.Equal((char)('a' + (i % 26)), text[^1]);
            Assert.Equal(Str(player, "clientId"), Str(m, "clientId"));
        }

        await _js.NoneAsync("host", "disconnect");
        Assert.Equal(0, await mux.GetDatabase().ListLengthAsync(queue));

        // Afterwards messages go straight to the host, still in order.
        AssertOk(await _js.EmitAsync("p", "message_to_host", new { message = "after" }));
        Assert.Equal("after", (await _js.NextAsync("host", "client_message"))!["message"]!.GetValue<string>());
    }
}
