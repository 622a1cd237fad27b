using Cndr.Core.Store;
using Cndr.Core.Store.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>The join unwind against a real redis-server.</summary>
public sealed class JoinUnwindRedisTests(RedisTestServer redis) : JoinUnwindTests, IClassFixture<RedisTestServer>
{
    private readonly string _code = RedisTestServer.NewCode().ToString();

    protected override string RoomCodeText => _code;

    protected override IRelayStore NewStore() => new RedisRelayStore(redis.Connection);
}
