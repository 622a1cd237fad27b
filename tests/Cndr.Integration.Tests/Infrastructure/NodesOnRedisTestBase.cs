using Cndr.Host.Configuration;
using Cndr.Testing;

namespace Cndr.Integration.Tests.Infrastructure;

/// <summary>
/// A test class's own real redis-server, the official socket.io-client driver, and the nodes a test starts (each on the
/// embedded store or on that server); all stopped after each test.
/// </summary>
public abstract class NodesOnRedisTestBase : IAsyncLifetime
{
    private readonly List<TestNode> _nodes = [];

    protected RedisServer Redis { get; private set; } = null!;

    protected JsClients Js { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Js = JsClients.Start();
    }

    public async Task DisposeAsync()
    {
        await Js.DisposeAsync();
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }

    /// <summary>Starts a node on <paramref name="store"/> ("redis" or "embedded"); it is stopped with the test.</summary>
    private protected async Task<TestNode> NodeAsync(string store, Action<CndrSettings>? configure = null)
    {
        var node = await TestNode.StartAsync(store == "redis" ? Redis : null, configure);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Stops <paramref name="node"/> now (a node going away mid-test).</summary>
    private protected async Task StopNodeAsync(TestNode node)
    {
        _nodes.Remove(node);
        await node.DisposeAsync();
    }
}
