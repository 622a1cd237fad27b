using System.Diagnostics;
using System.Text;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;
using Cndr.Testing;

namespace Cndr.Core.Tests.Redis;

/// <summary>Kills and restarts its own redis-server (never the one other test classes share).</summary>
public sealed class RedisOutageRedisTests
{
    private const long Now = 1_700_000_000_000;

    private static RedisStoreOptions Options(RedisServer server) =>
        new() { Host = server.Host, Port = server.Port, ConnectTimeoutMs = 1000, OperationTimeoutMs = 2000 };

    [Fact]
    public async Task Every_call_fails_with_StoreUnavailable_while_the_server_is_down_and_the_same_store_recovers_after_a_restart()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(Options(server));
        var store = new RedisRelayStore(connection);
        var code = RedisTestServer.NewCode();
        await store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now);
        var state = Encoding.UTF8.GetBytes("{}");

        server.Kill();

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.SetGameStateAsync(code, state, Now).AsTask());
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.EnqueueToHostAsync(code, state, 10, Now).AsTask());
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.RecordPollResponseAsync(code, "q", "a", state, Now).AsTask());
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.JoinPlayerAsync(code, new NewSeat("p", new byte[32], "c", "n", state, Now)).AsTask());
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetRoomConfigAsync(code).AsTask());
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetRoomInfoAsync(code).AsTask());
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PeekToHostAsync(code, 10, int.MaxValue).AsTask());
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ListRoomsAsync().AsTask());
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.DeleteRoomAsync(code).AsTask());
        store.TouchActivity(code, Now); // must not throw
        Assert.True(store.FailureCount >= 9);

        await server.RestartAsync();

        // The data was in memory only (persistence off): the room is gone, and the store works again without being recreated.
        var recovered = await RetryUntilAvailableAsync(() => store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now).AsTask());
        Assert.Equal(CreateRoomOutcome.Created, recovered);
        var written = await store.SetGameStateAsync(code, state, Now);
        Assert.Equal((StateWriteOutcome.Written, 1L), (written.Outcome, written.Rev));
        Assert.Equal(EnqueueOutcome.Queued, await store.EnqueueToHostAsync(code, state, 10, Now));
    }

    [Fact]
    public async Task The_scripts_are_loaded_at_connect_so_the_first_calls_need_no_fallback()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(Options(server));
        var store = new RedisRelayStore(connection);
        var code = RedisTestServer.NewCode();

        Assert.Equal(CreateRoomOutcome.Created, await store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now));
        Assert.Equal(1, (await store.SetGameStateAsync(code, "{}"u8.ToArray(), Now)).Rev);
        Assert.Equal(0, store.NoScriptFallbackCount);
    }

    [Fact]
    public async Task Connecting_to_a_server_that_is_not_there_fails_with_StoreUnavailable()
    {
        var options = new RedisStoreOptions { Host = "127.0.0.1", Port = RedisServer.FreePort(), ConnectTimeoutMs = 500, Password = "never-shown" };
        var ex = await Assert.ThrowsAsync<StoreUnavailableException>(() => RedisConnection.ConnectAsync(options));
        Assert.DoesNotContain("never-shown", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_protected_server_is_reached_with_the_configured_password()
    {
        await using var server = await RedisServer.StartAsync(password: "s3cret-pw");
        await using var connection = await RedisConnection.ConnectAsync(new RedisStoreOptions { Host = server.Host, Port = server.Port, Password = "s3cret-pw" });
        var store = new RedisRelayStore(connection);
        var code = RedisTestServer.NewCode();
        Assert.Equal(CreateRoomOutcome.Created, await store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now));

        var wrong = new RedisStoreOptions { Host = server.Host, Port = server.Port, Password = "wrong", ConnectTimeoutMs = 1000 };
        await Assert.ThrowsAsync<StoreUnavailableException>(() => RedisConnection.ConnectAsync(wrong));
    }

    /// <summary>Bounded wait for the multiplexer's reconnect (it retries on its own schedule).</summary>
    internal static async Task<T> RetryUntilAvailableAsync<T>(Func<Task<T>> call)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (StoreUnavailableException) when (deadline.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(100);
            }
        }
    }
}
