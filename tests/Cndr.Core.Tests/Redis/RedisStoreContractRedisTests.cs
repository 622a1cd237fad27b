using Cndr.Core.Store;
using Cndr.Core.Store.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>The whole store contract against a real redis-server.</summary>
public sealed class RedisStoreContractRedisTests(RedisTestServer redis) : StoreContractTests, IClassFixture<RedisTestServer>
{
    private readonly RedisRelayStore _store = new(redis.Connection);

    protected override IRelayStore Store => _store;
}
