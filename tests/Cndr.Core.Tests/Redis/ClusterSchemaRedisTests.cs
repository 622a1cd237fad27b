using System.Net;
using System.Security.Cryptography;
using System.Text;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;
using StackExchange.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>
/// The cluster schema on a real three-master Redis Cluster: a room lives in one slot (so every script is legal), the node
/// keys in one slot, and a room's channel is a sharded channel that exists only on the master owning the room.
/// </summary>
public sealed class ClusterSchemaRedisTests(RedisClusterTestServer redis) : IClassFixture<RedisClusterTestServer>
{
    private const long Now = 1_700_000_000_000;

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Every_key_of_a_room_reports_the_same_cluster_keyslot_and_lives_on_one_master()
    {
        var store = new RedisRelayStore(redis.Connection);
        var code = RedisTestServer.NewCode();
        await store.CreateRoomAsync(code, new RoomConfig("hk", "", 0, 0, 1), Now);
        await store.JoinPlayerAsync(code, new NewSeat("p1", SHA256.HashData(B("t")), "c1", "node-a", B("{}"), Now));
        await store.JoinAudienceAsync(code, new AudienceJoin("a1", "node-a", B("{}"), Now));
        await store.EnqueueToHostAsync(code, B("{\"m\":1}"), 100, Now);
        await store.ClaimHostAsync(code, "h1", "node-a", Now);
        await store.SetGameStateAsync(code, B("{\"round\":1}"), Now);
        await store.SetPlayerStateAsync(code, "p1", B("{\"hand\":[1]}"), Now);
        await store.StartPollAsync(code, new PollDefinition("q", PollType.SingleChoice, "?", ["a", "b"], true, 0), Now);
        Assert.Equal(PollOutcome.Ok, await store.RecordPollResponseAsync(code, "q", "a1", B("\"option_0\""), Now));

        var keys = await redis.Cluster.KeysAsync($"*{code}*");
        string[] families = ["room:config:", "room:state:", "room:clients:", "room:client:", "room:gamestate:", "room:playerstate:",
            "room:polls:", "room:poll:config:", "room:poll:responses:", "room:queue:tohost:"];
        foreach (var family in families)
        {
            Assert.Contains(keys, k => k.StartsWith(family + "{" + code + "}", StringComparison.Ordinal));
        }

        var slots = new HashSet<long>();
        foreach (var key in keys)
        {
            slots.Add((long)await redis.Admin.GetServers()[0].ExecuteAsync("CLUSTER", "KEYSLOT", key));
        }

        Assert.Single(slots);
        var holders = 0;
        foreach (var server in redis.Admin.GetServers())
        {
            if (!server.IsReplica && await server.KeysAsync(pattern: $"*{code}*").AnyAsync())
            {
                holders++;
            }
        }

        Assert.Equal(1, holders);
        Assert.True(await store.DeleteRoomAsync(code));
        Assert.Equal([$"room:closed:{{{code}}}"], await redis.Cluster.KeysAsync($"*{code}*")); // the delete's mark, with a TTL
    }

    [Fact]
    public async Task The_node_keys_share_one_slot()
    {
        var registry = new RedisNodeRegistry(redis.Connection.Multiplexer, redis.Connection.Keys);
        await registry.RegisterAsync("node-x", Now);
        await registry.PublishStatusAsync("node-x", B("{}"));
        var keys = await redis.Cluster.KeysAsync("nodes:*");
        Assert.Equal(["nodes:{nodes}:heartbeat", "nodes:{nodes}:registry", "nodes:{nodes}:status"], keys.Order());
        Assert.Single(keys.Select(k => redis.Admin.HashSlot(k)).Distinct());
        Assert.Contains(await registry.ListAsync(), n => n.NodeId == "node-x");
        await registry.RemoveAsync("node-x");
    }

    [Fact]
    public async Task A_room_channel_is_a_sharded_channel_on_the_owning_master_only_and_carries_the_room_bus()
    {
        await using var a = await BusNode.StartAsync(redis, "node-a");
        await using var b = await BusNode.StartAsync(redis, "node-b");
        var room = RedisTestServer.NewCode();
        await a.Bus.Subscribe(room);
        await b.Bus.Subscribe(room);
        await WaitUntilAsync(() => a.Bus.IsSubscribed(room) && b.Bus.IsSubscribed(room));

        var channel = $"room:updates:{{{room}}}";
        var owner = (IPEndPoint)(await redis.Admin.GetDatabase().IdentifyEndpointAsync($"room:config:{{{room}}}"))!;
        foreach (var server in redis.Admin.GetServers().Where(s => !s.IsReplica))
        {
            var sharded = ((RedisResult[])(await server.ExecuteAsync("PUBSUB", "SHARDCHANNELS", "room:updates:*"))!).Select(r => (string)r!).ToList();
            var plain = ((RedisResult[])(await server.ExecuteAsync("PUBSUB", "CHANNELS", "room:updates:*"))!).Select(r => (string)r!).ToList();
            Assert.Equal(((IPEndPoint)server.EndPoint).Port == owner.Port, sharded.Contains(channel));
            Assert.DoesNotContain(channel, plain);
        }

        a.Bus.Publish(room, new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Players, null, B("42[\"game_state\",{\"rev\":1}]")));
        Assert.Equal("42[\"game_state\",{\"rev\":1}]", await b.NextAsync());
    }

    [Fact]
    public async Task A_room_written_by_an_outside_system_in_the_cluster_schema_is_served()
    {
        var code = RedisTestServer.NewCode();
        await redis.Admin.GetDatabase().HashSetAsync($"room:config:{{{code}}}",
            [new("hostKey", "outside-key"), new("password", ""), new("maxPlayers", "2"), new("maxAudience", "0"), new("createdAt", "1700000000")]);
        var store = new RedisRelayStore(redis.Connection);
        Assert.Equal(new RoomConfig("outside-key", "", 2, 0, 1_700_000_000), await store.GetRoomConfigAsync(code));
        var seat = await store.JoinPlayerAsync(code, new NewSeat("p1", SHA256.HashData(B("t")), "c1", "node-a", B("{}"), Now));
        Assert.Equal(JoinOutcome.Joined, seat.Outcome);
        Assert.Equal(1, (await store.GetRoomInfoAsync(code))!.PlayerCount);
    }

    [Fact]
    public async Task The_standalone_schema_is_refused_on_a_cluster_with_a_clear_error()
    {
        var options = redis.Options;
        options.Cluster = false;
        var ex = await Assert.ThrowsAsync<StoreUnavailableException>(() => RedisConnection.ConnectAsync(options));
        Assert.Contains("REDIS_CLUSTER=true", ex.Message, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(20);
        }
    }

    /// <summary>One node's bus on its own cluster connection, recording what it receives.</summary>
    private sealed class BusNode : IRoomBusListener, IAsyncDisposable
    {
        private readonly System.Threading.Channels.Channel<string> _received = System.Threading.Channels.Channel.CreateUnbounded<string>();

        private BusNode(RedisConnection connection, RedisRoomBus bus)
        {
            Connection = connection;
            Bus = bus;
            bus.Attach(this);
        }

        public RedisConnection Connection { get; }

        public RedisRoomBus Bus { get; }

        public static async Task<BusNode> StartAsync(RedisClusterTestServer redis, string nodeId)
        {
            var connection = await RedisConnection.ConnectAsync(redis.Options);
            return new BusNode(connection, new RedisRoomBus(connection, nodeId));
        }

        public void OnBusMessage(RoomCode room, in RoomBusMessage message) => _received.Writer.TryWrite(Encoding.UTF8.GetString(message.Packet.Span));

        public void OnBusGap()
        {
        }

        public async Task<string> NextAsync()
        {
            using var cts = new CancellationTokenSource(s_wait);
            return await _received.Reader.ReadAsync(cts.Token);
        }

        public async ValueTask DisposeAsync()
        {
            await Bus.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
