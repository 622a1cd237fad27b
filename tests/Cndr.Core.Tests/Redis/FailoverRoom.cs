using System.Text;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>
/// The room both failover tests (cluster replica, Sentinel) carry across a killed primary: created with a host and five game
/// states before the kill; after it, the sixth write retried until the client has found the promoted replica; then the room
/// must go on there — same config, host still connected, rev 6 right after 5.
/// </summary>
internal static class FailoverRoom
{
    public const long Now = 1_700_000_000_000;

    private static readonly RoomConfig s_config = new("hk", "", 4, 0, 1);

    /// <summary>A new room with host "h1" and game state at rev 5.</summary>
    public static async Task<RoomCode> CreateAtRevFiveAsync(RedisRelayStore store)
    {
        var code = RedisTestServer.NewCode();
        Assert.Equal(CreateRoomOutcome.Created, await store.CreateRoomAsync(code, s_config, Now));
        await store.ClaimHostAsync(code, "h1", "node-a", Now);
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, (await store.SetGameStateAsync(code, Encoding.UTF8.GetBytes($"{{\"round\":{i}}}"), Now + i)).Rev);
        }

        return code;
    }

    /// <summary>Writes {"round":6}; commands fail (UNAVAILABLE) until the client has followed the promotion (60 s at most).</summary>
    public static async Task<StateWriteResult> WriteRoundSixAsync(RedisRelayStore store, RoomCode code)
    {
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

        return written.Value;
    }

    /// <summary>The room went on: rev 6, the same config, the host still connected.</summary>
    public static async Task AssertWentOnAsync(RedisRelayStore store, RoomCode code, StateWriteResult written)
    {
        Assert.Equal(6, written.Rev);
        Assert.Equal(s_config, await store.GetRoomConfigAsync(code));
        var info = await store.GetRoomInfoAsync(code);
        Assert.True(info!.HostConnected);
        Assert.Equal(6, info.GameStateRev);
    }
}
