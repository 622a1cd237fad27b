using Cndr.Core.Store.Redis;
using Cndr.Testing;

namespace Cndr.Core.Tests.Redis;

/// <summary>
/// Six servers (three masters, one replica each): the master holding a room is killed; its replica is promoted and the
/// room goes on — same config, the game state's rev continues from where it was (never backwards).
/// </summary>
public sealed class ClusterFailoverRedisTests
{
    [Fact]
    public async Task A_room_resumes_on_the_promoted_replica_when_its_master_is_killed()
    {
        await using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);

        // Several seed endpoints (REDIS_ENDPOINTS), so the client can start from any of them.
        await using var connection = await RedisConnection.ConnectAsync(new RedisStoreOptions
        {
            Endpoints = cluster.Endpoints,
            Cluster = true,
            ConnectTimeoutMs = 2000,
            OperationTimeoutMs = 3000,
        });
        var store = new RedisRelayStore(connection);
        var code = await FailoverRoom.CreateAtRevFiveAsync(store);

        var owner = await cluster.OwnerOfAsync($"room:config:{{{code}}}");
        await RedisCluster.WaitForReplicasAsync(owner, TimeSpan.FromSeconds(20));
        owner.Kill();
        await cluster.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));

        // Commands fail (UNAVAILABLE) until the client has found the promoted replica, then work again.
        var written = await FailoverRoom.WriteRoundSixAsync(store, code);

        await FailoverRoom.AssertWentOnAsync(store, code, written);
        Assert.NotEqual(owner.Port, (await cluster.OwnerOfAsync($"room:config:{{{code}}}")).Port);
    }
}
