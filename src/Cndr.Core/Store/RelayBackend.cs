using Cndr.Core.Cluster;
using Cndr.Core.Store.Redis;
using Microsoft.Extensions.Logging;

namespace Cndr.Core.Store;

/// <summary>
/// The store, the inter-node bus and the node registry of one node, owned as one unit: embedded (one process) or
/// Redis (many nodes). The Host composes a node from these three interfaces and never sees the Redis client.
/// </summary>
public sealed class RelayBackend : IAsyncDisposable
{
    private readonly Func<Task<(bool Connected, double LatencyMs)>>? _probe;
    private readonly Action<Action>? _onReconnected;
    private readonly Func<ValueTask>? _dispose;

    internal RelayBackend(
        IRelayStore store,
        IRoomBus bus,
        INodeRegistry registry,
        Func<Task<(bool Connected, double LatencyMs)>>? probe = null,
        Action<Action>? onReconnected = null,
        Func<ValueTask>? dispose = null)
    {
        Store = store;
        Bus = bus;
        Registry = registry;
        _probe = probe;
        _onReconnected = onReconnected;
        _dispose = dispose;
    }

    public IRelayStore Store { get; }

    public IRoomBus Bus { get; }

    public INodeRegistry Registry { get; }

    /// <summary>True for the embedded in-process store (one node).</summary>
    public bool IsEmbedded => _probe is null;

    /// <summary>The embedded store, the in-process bus and an in-memory registry (one node).</summary>
    public static RelayBackend CreateEmbedded(string nodeId) =>
        new(new EmbeddedRelayStore(), new InProcessRoomBus(nodeId), new InMemoryNodeRegistry());

    /// <summary>Connects to Redis: one shared connection for the store, the bus and the node registry.</summary>
    /// <exception cref="StoreUnavailableException">The server cannot be reached and <see cref="RedisStoreOptions.RequireConnectionAtStartup"/> is set.</exception>
    public static Task<RelayBackend> ConnectRedisAsync(RedisStoreOptions options, string nodeId, ILoggerFactory? loggers = null) =>
        RedisBackend.ConnectAsync(options, nodeId, loggers);

    /// <summary>Calls <paramref name="action"/> (on a Redis thread: return at once) whenever the Redis connection comes back; never on the embedded store.</summary>
    public void OnReconnected(Action action) => _onReconnected?.Invoke(action);

    /// <summary>Redis reachability and round-trip time (PING), or null on the embedded store.</summary>
    public async Task<(bool Connected, double LatencyMs)?> ProbeAsync() => _probe is null ? null : await _probe();

    /// <summary>Disposes the bus, then the shared connection.</summary>
    public ValueTask DisposeAsync() => _dispose is null ? ValueTask.CompletedTask : _dispose();
}
