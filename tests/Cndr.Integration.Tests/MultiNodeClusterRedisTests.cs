using Cndr.Testing;

namespace Cndr.Integration.Tests;

/// <summary>The multi-node tests with REDIS_CLUSTER=true on a real three-master Redis Cluster (every node names only the first master in REDIS_HOST: the others are discovered).</summary>
public sealed class MultiNodeClusterRedisTests : MultiNodeRedisTests
{
    protected override async Task<IRedisDeployment> StartRedisAsync() => await RedisCluster.StartAsync(masters: 3);
}
