using Cndr.Integration.Tests.Infrastructure;
using Cndr.Testing;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// A busy room's hash slot moves to another master of a real three-master Redis Cluster while its host keeps writing game
/// state and a player keeps messaging the host (two cndr nodes, official socket.io-client): every command succeeds (MOVED
/// and ASK followed by the client library, TRYAGAIN retried by the store), no client sees the rev go backwards, every client
/// ends on the last rev, the host gets every message in order, and both nodes' sharded subscriptions of the room are on the
/// new master.
/// </summary>
public sealed class ClusterReshardRedisTests : IAsyncLifetime
{
    private readonly List<TestNode> _nodes = [];
    private RedisCluster _cluster = null!;
    private JsClients _js = null!;

    private TestNode A => _nodes[0];

    private TestNode B => _nodes[1];

    public async Task InitializeAsync()
    {
        _cluster = await RedisCluster.StartAsync(masters: 3);
        _js = JsClients.Start();
        for (var i = 0; i < 2; i++)
        {
            _nodes.Add(await TestNode.StartAsync(_cluster, s => s.NodeId = $"node-{(char)('a' + i)}"));
        }
    }

    public async Task DisposeAsync()
    {
        await _js.DisposeAsync();
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }

        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_busy_room_keeps_going_while_its_slot_moves_to_another_master()
    {
        var (code, key) = await A.CreateRoomAsync();
        await _js.HostAsync("host", A.Url, code, key);
        await _js.PlayerAsync("pa", A.Url, code);
        await _js.PlayerAsync("pb", B.Url, code);
        await _js.AudienceAsync("aud", B.Url, code, transport: "polling");

        var configKey = ((IRedisDeployment)_cluster).RoomKey("room:config:", code);
        var channel = "room:updates:{" + code + "}";
        var slot = await _cluster.SlotOfAsync(configKey);
        var from = await _cluster.OwnerOfAsync(configKey);
        var to = _cluster.Servers.Take(_cluster.MasterCount).First(s => s != from);
        Assert.Equal("2", await ShardSubscribersAsync(from, channel)); // node-a and node-b

        // The slot moves two keys at a time with pauses while the load runs: commands meet it half moved.
        var migrating = 0;
        var migration = Task.Run(async () =>
        {
            await Task.Delay(200);
            Volatile.Write(ref migrating, 1);
            return await _cluster.MigrateSlotAsync(slot, from, to, TimeSpan.FromMilliseconds(60));
        });

        long rev = 0;
        var messages = 0;
        var afterMigration = 0;
        var duringMigration = 0;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        for (var n = 1; afterMigration < 20; n++)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the load did not finish in time (migration done: {migration.IsCompleted})");
            var ack = await _js.EmitAsync("host", "set_game_state", new { state = new { n } }, timeoutMs: 10_000);
            AssertOk(ack);
            Assert.Equal(rev + 1, Num(ack, "rev"));
            rev = Num(ack, "rev");
            if (n % 3 == 0)
            {
                AssertOk(await _js.EmitAsync("pb", "message_to_host", new { message = ++messages }, timeoutMs: 10_000));
            }

            if (migration.IsCompleted)
            {
                afterMigration++;
            }
            else if (Volatile.Read(ref migrating) == 1)
            {
                duringMigration++;
            }
        }

        Assert.True(await migration >= 3, "the room's keys were not in the slot");
        Assert.True(duringMigration >= 3, $"only {duringMigration} game states were written while the slot moved");
        Assert.Equal(to.Port, (await _cluster.OwnerOfAsync(configKey)).Port);

        foreach (var who in new[] { "pa", "pb", "aud" })
        {
            var revs = await GameStateRevsUntilAsync(who, rev);
            for (var i = 1; i < revs.Count; i++)
            {
                Assert.True(revs[i] >= revs[i - 1], $"{who} saw rev {revs[i]} after {revs[i - 1]}");
            }

            Assert.Equal(rev, revs[^1]);
        }

        for (var i = 1; i <= messages; i++)
        {
            Assert.Equal(i, (await _js.NextAsync("host", "client_message", 10_000))!["message"]!.GetValue<int>());
        }

        // Both nodes' subscriptions of the room followed the slot (the library re-subscribes after the old owner's SUNSUBSCRIBE).
        await WaitUntilAsync(async () => await ShardSubscribersAsync(to, channel) == "2", "the room's shard channel was not re-subscribed on its new master");
        Assert.Equal("0", await ShardSubscribersAsync(from, channel));
    }

    /// <summary>The revs of the <c>game_state</c> events <paramref name="who"/> got, in order, up to <paramref name="last"/> (bounded wait).</summary>
    private async Task<List<long>> GameStateRevsUntilAsync(string who, long last)
    {
        var revs = new List<long>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (revs.Count == 0 || revs[^1] < last)
        {
            foreach (var (evt, args) in await _js.DrainAsync(who))
            {
                if (evt == "game_state")
                {
                    revs.Add(Num(args[0], "rev"));
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{who} did not reach rev {last}: last seen {(revs.Count > 0 ? revs[^1] : -1)}");
            }

            await Task.Delay(50);
        }

        return revs;
    }

    private static async Task<string> ShardSubscribersAsync(RedisServer server, string channel)
    {
        var reply = (await RedisCluster.CliAsync(server.Port, "pubsub", "shardnumsub", channel)).Split('\n', StringSplitOptions.TrimEntries);
        return reply.Length == 2 ? reply[1] : string.Join('|', reply);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string message)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, message);
            await Task.Delay(50);
        }
    }
}
