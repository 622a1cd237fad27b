using Cndr.Core.Store;
using Cndr.Core.Store.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>The whole store contract against a real redis-server with REDIS_FAST_PATH off (StackExchange.Redis only).</summary>
public sealed class RedisStoreContractWithoutFastPathRedisTests(RedisTestServerWithoutFastPath redis) : StoreContractTests, IClassFixture<RedisTestServerWithoutFastPath>
{
    private readonly RedisRelayStore _store = CreateStore(redis);

    protected override IRelayStore Store => _store;

    private static RedisRelayStore CreateStore(RedisTestServerWithoutFastPath redis)
    {
        Assert.Null(redis.Connection.Fast);
        return new RedisRelayStore(redis.Connection);
    }
}
