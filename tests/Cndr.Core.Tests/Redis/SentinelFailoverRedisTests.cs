using System.Text;
using Cndr.Core.Store;
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
    private const long Now = 1_700_000_000_000;

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
        var code = RedisTestServer.NewCode();
        Assert.Equal(CreateRoomOutcome.Created, await store.CreateRoomAsync(code, new RoomConfig("hk", "", 4, 0, 1), Now));
        await store.ClaimHostAsync(code, "h1", "node-a", Now);
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, (await store.SetGameStateAsync(code, Encoding.UTF8.GetBytes($"{{\"round\":{i}}}"), Now + i)).Rev);
        }

        await RedisCluster.WaitForReplicasAsync(primary, TimeSpan.FromSeconds(20));
        primary.Kill();

        // Commands fail (UNAVAILABLE) until the Sentinel has promoted the replica and the client has followed it.
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

        Assert.StartsWith("master", await RedisCluster.CliAsync(replica.Port, "role"), StringComparison.Ordinal);
        var named = DateTime.UtcNow.AddSeconds(20); // the Sentinel names the new primary once it has seen it promoted
        while (await sentinel.PrimaryPortAsync() != replica.Port)
        {
            Assert.True(DateTime.UtcNow < named, "the Sentinel does not name the promoted replica");
            await Task.Delay(100);
        }

        Assert.Equal(6, written.Value.Rev);
        Assert.Equal(new RoomConfig("hk", "", 4, 0, 1), await store.GetRoomConfigAsync(code));
        var info = await store.GetRoomInfoAsync(code);
        Assert.True(info!.HostConnected);
        Assert.Equal(6, info.GameStateRev);
        Assert.Equal("{\"round\":6}", await RedisCluster.CliAsync(replica.Port, "get", $"room:gamestate:{code}"));
    }
}
