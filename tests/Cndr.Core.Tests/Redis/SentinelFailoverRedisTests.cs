using Cndr.Core.Store.Redis;
using Cndr.Testing;

namespace Cndr.Core.Tests.Redis;

/// <summary>
/// A primary, one replica and a real Sentinel (REDIS_ENDPOINTS = the Sentinel, REDIS_SENTINEL_SERVICE = its service): the
/// store finds the primary through the Sentinel; the primary is killed, the Sentinel promotes the replica, and the room goes
/// on there — same config, the game state's rev continuing (never backwards).
/// </summary>
public sealed class SentinelFailoverRedisTests
{
    [Fact]
    public async Task A_room_resumes_on_the_replica_the_Sentinel_promotes_when_the_primary_is_killed()
    {
        await using var primary = await RedisServer.StartAsync();
        await using var replica = await RedisServer.StartAsync(extraArgs: ["--replicaof", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await RedisCluster.WaitForReplicasAsync(primary, TimeSpan.FromSeconds(20));
        await using var sentinel = await RedisSentinel.StartAsync(primary);

        await using var connection = await RedisConnection.ConnectAsync(new RedisStoreOptions
        {
            Endpoints = sentinel.Endpoint,
            SentinelServiceName = sentinel.Service,
            ConnectTimeoutMs = 2000,
            OperationTimeoutMs = 3000,
        });
        var store = new RedisRelayStore(connection);
        var code = await FailoverRoom.CreateAtRevFiveAsync(store);

        await RedisCluster.WaitForReplicasAsync(primary, TimeSpan.FromSeconds(20));
        primary.Kill();

        // Commands fail (UNAVAILABLE) until the Sentinel has promoted the replica and the client has followed it.
        var written = await FailoverRoom.WriteRoundSixAsync(store, code);

        Assert.StartsWith("master", await RedisCluster.CliAsync(replica.Port, "role"), StringComparison.Ordinal);
        var named = DateTime.UtcNow.AddSeconds(20); // the Sentinel names the new primary once it has seen it promoted
        while (await sentinel.PrimaryPortAsync() != replica.Port)
        {
            Assert.True(DateTime.UtcNow < named, "the Sentinel does not name the promoted replica");
            await Task.Delay(100);
        }

        await FailoverRoom.AssertWentOnAsync(store, code, written);
        Assert.Equal("{\"round\":6}", await RedisCluster.CliAsync(replica.Port, "get", $"room:gamestate:{code}"));
    }
}
