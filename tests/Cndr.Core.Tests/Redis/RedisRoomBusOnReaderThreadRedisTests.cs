namespace Cndr.Core.Tests.Redis;

/// <summary>The room bus tests with the fast subscriber read on its own reader thread (CNDR_REDIS_READS=thread), not the transport's loop.</summary>
[Collection(ReadinessLoopCollection.Name)]
public sealed class RedisRoomBusOnReaderThreadRedisTests : RedisRoomBusRedisTests
{
    protected override bool ReadOnLoop => false;
}
