using Cndr.Core.Store.Redis;
using Cndr.Testing;
using StackExchange.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>
/// A real three-master Redis Cluster for one test class, the store's connection to it in the cluster schema (REDIS_HOST
/// naming the first master only: the others are discovered), and an admin connection to every master.
/// </summary>
public sealed class RedisClusterTestServer : IAsyncLifetime
{
    public RedisCluster Cluster { get; private set; } = null!;

    public RedisConnection Connection { get; private set; } = null!;

    public ConnectionMultiplexer Admin { get; private set; } = null!;

    public RedisStoreOptions Options => new()
    {
        Host = Cluster.Host,
        Port = Cluster.Port,
        Cluster = true,
        ConnectTimeoutMs = 2000,
        OperationTimeoutMs = 3000,
    };

    public async Task InitializeAsync()
    {
        Cluster = await RedisCluster.StartAsync(masters: 3);
        Connection = await RedisConnection.ConnectAsync(Options);
        Admin = await ConnectionMultiplexer.ConnectAsync(Cluster.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Admin.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
