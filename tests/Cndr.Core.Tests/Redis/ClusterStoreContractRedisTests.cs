using Cndr.Core.Store;
using Cndr.Core.Store.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>The whole store contract on a three-master Redis Cluster, in the cluster schema.</summary>
public sealed class ClusterStoreContractRedisTests(RedisClusterTestServer redis) : StoreContractTests, IClassFixture<RedisClusterTestServer>
{
    private readonly RedisRelayStore _store = new(redis.Connection);

    protected override IRelayStore Store => _store;
}
