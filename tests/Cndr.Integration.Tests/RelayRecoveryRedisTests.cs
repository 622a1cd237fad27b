using Cndr.Integration.Tests.Infrastructure;
using Cndr.Testing;
using StackExchange.Redis;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// What the relay does when the cluster misbehaves: a lost kick, a dead node, a Redis that lost its data, a bus that
/// dropped messages. cndr nodes on a real redis-server, clients are the official socket.io-client.
/// </summary>
public sealed class RelayRecoveryRedisTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _admin = null!;
    private readonly List<TestNode> _nodes = [];
    private JsClients _js = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _admin = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + ",allowAdmin=true");
        _js = JsClients.Start();
    }

    public async Task DisposeAsync()
    {
        await _js.DisposeAsync();
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }

        await _admin.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private async Task<TestNode> StartNodeAsync(string id, Action<Cndr.Host.Configuration.CndrSettings>? configure = null)
    {
        var node = await TestNode.StartAsync(_redis, s =>
        {
            s.NodeId = id;
            configure?.Invoke(s);
        });
        _nodes.Add(node);
        return node;
    }

    [Fact]
    public async Task AHostReplacedWhileItsKickWasLostGetsHostReplacedOnItsNextWrite()
    {
        var a = await StartNodeAsync("node-a");
        var b = await StartNodeAsync("node-b");
        var (code, key) = await a.CreateRoomAsync();
        await _js.HostAsync("host", a.Url, code, key);
        await _js.PlayerAsync("p", b.Url, code);
        AssertOk(await _js.EmitAsync("host", "set_game_state", new { state = new { v = 1 } }));
        Assert.Equal(1, Num(await _js.NextAsync("p", "game_state"), "rev"));

        // Another connection became the host in the store and its kick never reached node-a.
        await _admin.GetDatabase().HashSetAsync($"room:state:{code}", [new("hostClientId", "newer-host-connection"), new("hostNodeId", "node-b")]);

        var ack = await _js.EmitAsync("host", "set_game_state", new { state = new { v = 2 } });
        Assert.Equal("HOST_REPLACED", ErrorCode(ack));
        Assert.Equal("io server disconnect", (await _js.NextAsync("host", "disconnect"))?.GetValue<string>());
        await _js.NoneAsync("p", "game_state");
        Assert.Equal("1", (string?)await _admin.GetDatabase().HashGetAsync($"room:state:{code}", "gameStateRev"));
    }
}
