using Cndr.Core.Cluster;
using Cndr.Core.Store.Redis;
using Cndr.Core.Tests.Cluster;

namespace Cndr.Core.Tests.Redis;

/// <summary>The node registry contract against a real redis-server.</summary>
public sealed class NodeRegistryContractRedisTests(RedisTestServer redis) : NodeRegistryContractTests, IClassFixture<RedisTestServer>
{
    protected override INodeRegistry Registry { get; } = new RedisNodeRegistry(redis.Admin);
}
