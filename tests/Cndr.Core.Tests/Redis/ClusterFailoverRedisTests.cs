using System.Text;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;
using Cndr.Testing;

namespace Cndr.Core.Tests.Redis;

/// <summary>
/// Six servers (three masters, one replica each): the master holding a room is killed; its replica is promoted and the
/// room goes on — same config, the game state's rev continues from where it was (never backwards).
/// </summary>
public sealed class ClusterFailoverRedisTests
{
    private const long Now = 1_700_000_000_000;

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
        var code = RedisTestServer.NewCode();
        Assert.Equal(CreateRoomOutcome.Created, await store.CreateRoomAsync(code, new RoomConfig("hk", "", 4, 0, 1), Now));
        await store.ClaimHostAsync(code, "h1", "node-a", Now);
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, (await store.SetGameStateAsync(code, Encoding.UTF8.GetBytes($"{{\"round\":{i}}}"), Now + i)).Rev);
        }

        var owner = await cluster.OwnerOfAsync($"room:config:{{{code}}}");
        await RedisCluster.WaitForReplicasAsync(owner, TimeSpan.FromSeconds(20));
        owner.Kill();
        await cluster.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));

        // Commands fail (UNAVAILABLE) until the client has found the promoted replica, then work again.
        StateWriteResult? written = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (written is null)
        {
            try
            {
                written = await store.SetGameStateAsync(code, "{\"round\":6}"u8.ToArray(), Now + 6);
            }
            catch (StoreUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }

        Assert.Equal(6, written.Value.Rev);
        Assert.Equal(new RoomConfig("hk", "", 4, 0, 1), await store.GetRoomConfigAsync(code));
        var info = await store.GetRoomInfoAsync(code);
        Assert.True(info!.HostConnected);
        Assert.Equal(6, info.GameStateRev);
        Assert.NotEqual(owner.Port, (await cluster.OwnerOfAsync($"room:config:{{{code}}}")).Port);
    }
}
