using Cndr.Core.Store;
using Cndr.Core.Store.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>The lost-kick host checks against a real redis-server (the check runs inside each Lua script).</summary>
public sealed class HostReplacedWithoutKickRedisTests(RedisTestServer redis) : HostReplacedWithoutKickTests, IClassFixture<RedisTestServer>
{
    private readonly string _code = RedisTestServer.NewCode().ToString();

    protected override string RoomCodeText => _code;

    protected override IRelayStore NewStore() => new RedisRelayStore(redis.Connection);
}
