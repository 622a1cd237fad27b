using Cndr.Core.Store;
using Cndr.Core.Store.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>The whole store contract with a key prefix (REDIS_KEY_PREFIX) on a real redis-server.</summary>
public sealed class PrefixedStoreContractRedisTests(PrefixedStoreContractRedisTests.Fixture redis)
    : StoreContractTests, IClassFixture<PrefixedStoreContractRedisTests.Fixture>
{
    private readonly RedisRelayStore _store = new(redis.Prefixed);

    protected override IRelayStore Store => _store;

    [Fact]
    public async Task Every_key_carries_the_prefix_and_a_store_without_it_sees_nothing()
    {
        var code = RedisTestServer.NewCode();
        await _store.CreateRoomAsync(code, new RoomConfig("hk", "", 0, 0, 1), 1000);
        await _store.JoinAudienceAsync(code, new AudienceJoin("a1", "node-a", "{}"u8.ToArray(), 1000));
        await _store.SetGameStateAsync(code, "{}"u8.ToArray(), 1000);
        var keys = redis.Server.KeysOf(code);
        Assert.Equal(5, keys.Count); // config, state, clients, client, gamestate
        Assert.All(keys, k => Assert.StartsWith("staging:room:", k, StringComparison.Ordinal));

        var plain = new RedisRelayStore(redis.Server.Connection);
        Assert.Null(await plain.GetRoomConfigAsync(code));
        Assert.DoesNotContain(await plain.ListRoomsAsync(), r => r.Code == code);
        Assert.Contains(await _store.ListRoomsAsync(), r => r.Code == code);
    }

    /// <summary>One server, one connection with prefix <c>staging:</c>.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public RedisTestServer Server { get; } = new();

        public RedisConnection Prefixed { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await Server.InitializeAsync();
            var options = Server.Options;
            options.KeyPrefix = "staging:";
            Prefixed = await RedisConnection.ConnectAsync(options);
        }

        public async Task DisposeAsync()
        {
            await Prefixed.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
