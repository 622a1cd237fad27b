using Cndr.Core.Store;
using Cndr.Core.Store.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>The whole store contract against a real redis-server, script calls on the fast connection (REDIS_FAST_PATH on, the default).</summary>
public sealed class RedisStoreContractRedisTests(RedisTestServer redis) : StoreContractTests, IClassFixture<RedisTestServer>
{
    private readonly RedisRelayStore _store = CreateStore(redis);

    protected override IRelayStore Store => _store;

    private static RedisRelayStore CreateStore(RedisTestServer redis)
    {
        Assert.True(redis.Connection.Fast is { IsConnected: true }, "the fast connection is up");
        return new RedisRelayStore(redis.Connection);
    }
}
