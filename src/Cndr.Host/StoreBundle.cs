using Cndr.Core.Cluster;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;
using Cndr.Host.Configuration;
using Cndr.Host.Metrics;
using Microsoft.Extensions.Logging;

namespace Cndr.Host;

/// <summary>
/// The node's <see cref="RelayBackend"/> (embedded or Redis, built from the settings) with the store's latency
/// measured on Redis. Everything Redis stays in Core: this class sees only Core's interfaces.
/// </summary>
internal sealed class StoreBundle : IAsyncDisposable
{
    private readonly RelayBackend _backend;

    private StoreBundle(RelayBackend backend, StoreLatency? latency)
    {
        _backend = backend;
        Latency = latency;
        Store = latency is null ? backend.Store : new MeasuredRelayStore(backend.Store, latency);
    }

    public IRelayStore Store { get; }

    public IRoomBus Bus => _backend.Bus;

    public INodeRegistry Registry => _backend.Registry;

    /// <summary>Timing of store operations (Redis only; the embedded store is in-process).</summary>
    public StoreLatency? Latency { get; }

    public static async Task<StoreBundle> CreateAsync(CndrSettings settings, string nodeId, ILoggerFactory loggers)
    {
        if (settings.UsesEmbeddedStore)
        {
            return new StoreBundle(RelayBackend.CreateEmbedded(nodeId), null);
        }

        var backend = await RelayBackend.ConnectRedisAsync(
            new RedisStoreOptions
            {
                Host = string.IsNullOrEmpty(settings.RedisHost) ? "127.0.0.1" : settings.RedisHost,
                Port = settings.RedisPort,
                Endpoints = string.IsNullOrEmpty(settings.RedisEndpoints) ? null : settings.RedisEndpoints,
                SentinelServiceName = string.IsNullOrEmpty(settings.RedisSentinelService) ? null : settings.RedisSentinelService,
                Cluster = settings.RedisCluster,
                KeyPrefix = settings.RedisKeyPrefix ?? "",
                FastPath = settings.RedisFastPath,
                FastSubscriber = settings.RedisFastSubscriber,
                User = string.IsNullOrEmpty(settings.RedisUser) ? null : settings.RedisUser,
                Password = string.IsNullOrEmpty(settings.RedisPassword) ? null : settings.RedisPassword,
                UseTls = settings.RedisTls,
                ClientName = "cndr-" + nodeId,
            },
            nodeId,
            loggers);
        return new StoreBundle(backend, new StoreLatency());
    }

    /// <summary>Calls <paramref name="action"/> whenever the Redis connection comes back (never on the embedded store).</summary>
    public void OnReconnected(Action action) => _backend.OnReconnected(action);

    /// <summary>Redis reachability and round-trip time (PING), or null on the embedded store.</summary>
    public Task<(bool Connected, double LatencyMs)?> ProbeAsync() => _backend.ProbeAsync();

    public ValueTask DisposeAsync() => _backend.DisposeAsync();
}
