namespace Cndr.Core.Tests.Redis;

/// <summary>The room bus tests with REDIS_FAST_SUBSCRIBER off: the bus subscribes on StackExchange.Redis's subscription connection.</summary>
[Collection(ReadinessLoopCollection.Name)]
public sealed class RedisRoomBusWithoutFastSubscriberRedisTests : RedisRoomBusRedisTests
{
    protected override bool FastSubscriber => false;
}
