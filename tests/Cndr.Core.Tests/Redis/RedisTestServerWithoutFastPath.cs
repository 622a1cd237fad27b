using Cndr.Core.Store.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>A <see cref="RedisTestServer"/> whose store connection has <see cref="RedisStoreOptions.FastPath"/> off (every command on StackExchange.Redis).</summary>
public sealed class RedisTestServerWithoutFastPath : RedisTestServer
{
    protected override bool FastPath => false;
}
