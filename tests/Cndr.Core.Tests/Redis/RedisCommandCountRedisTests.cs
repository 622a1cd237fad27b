using System.Text;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Cndr.Core.Tests.Redis;

/// <summary>
/// Counts, with the server's own INFO commandstats, what the hot-path calls send: exactly one EVALSHA per call (one
/// command, one round trip), and which commands that script runs inside the server.
/// </summary>
public sealed class RedisCommandCountRedisTests(RedisTestServer redis, ITestOutputHelper output) : IClassFixture<RedisTestServer>
{
    private const int N = 200;
    private const long Now = 1_700_000_000_000;

    // Commands the multiplexers send by themselves (heartbeats, topology) or the test sends to measure.
    private static readonly HashSet<string> s_background = ["info", "ping", "echo", "cluster", "config", "client", "subscribe", "role", "hello", "auth", "select"];

    [Fact]
    public async Task Setting_game_state_sends_one_command_per_call()
    {
        var (store, code) = await PrepareAsync();
        var state = Encoding.UTF8.GetBytes("{\"round\":3,\"board\":[1,2,3]}");
        var sent = await MeasureAsync("SetGameStateAsync", async () =>
        {
            for (var i = 0; i < N; i++)
            {
                await store.SetGameStateAsync(code, state, Now + i);
            }
        });

        Assert.Equal(new Dictionary<string, long> { ["evalsha"] = N }, sent);
    }

    [Fact]
    public async Task Enqueueing_to_the_host_sends_one_command_per_call()
    {
        var (store, code) = await PrepareAsync();
        var entry = Encoding.UTF8.GetBytes("{\"clientId\":\"p1\",\"role\":\"player\",\"message\":{\"m\":1},\"timestamp\":1}");
        var sent = await MeasureAsync("EnqueueToHostAsync", async () =>
        {
            for (var i = 0; i < N; i++)
            {
                await store.EnqueueToHostAsync(code, entry, 10_000, Now + i);
            }
        });

        Assert.Equal(new Dictionary<string, long> { ["evalsha"] = N }, sent);
    }

    [Fact]
    public async Task Enqueueing_to_a_host_on_another_node_sends_one_command_per_call_notification_included()
    {
        var (_, code) = await PrepareAsync();
        var store = new RedisRelayStore(redis.Connection, "node-sender");
        var entry = Encoding.UTF8.GetBytes("{\"clientId\":\"p1\",\"role\":\"player\",\"message\":{\"m\":1},\"timestamp\":1}");
        var sent = await MeasureAsync("EnqueueToHostAsync (notifying)", async () =>
        {
            for (var i = 0; i < N; i++)
            {
                await store.EnqueueToHostAsync(code, entry, 10_000, Now + i);
            }
        });

        // The PUBLISH runs inside the script (once: the queue was empty only for the first entry), not as a command of its own.
        Assert.Equal(new Dictionary<string, long> { ["evalsha"] = N }, sent);
    }

    [Fact]
    public async Task Recording_a_poll_answer_sends_one_command_per_call()
    {
        var (store, code) = await PrepareAsync();
        await store.StartPollAsync(code, new PollDefinition("q", PollType.SingleChoice, "?", ["a", "b"], true, 0), Now);
        var answer = Encoding.UTF8.GetBytes("\"option_1\"");
        var sent = await MeasureAsync("RecordPollResponseAsync", async () =>
        {
            for (var i = 0; i < N; i++)
            {
                await store.RecordPollResponseAsync(code, "q", "aud-" + (i % 20), answer, Now + i);
            }
        });

        Assert.Equal(new Dictionary<string, long> { ["evalsha"] = N }, sent);
    }

    private async Task<(RedisRelayStore Store, RoomCode Code)> PrepareAsync()
    {
        var store = new RedisRelayStore(redis.Connection);
        var code = RedisTestServer.NewCode();
        await store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now);

        // Warm: the scripts are cached on the server and the connection.
        await store.SetGameStateAsync(code, "{}"u8.ToArray(), Now);
        return (store, code);
    }

    /// <summary>Commands the client sent during <paramref name="run"/> (per-command deltas, background commands left out).</summary>
    private async Task<Dictionary<string, long>> MeasureAsync(string name, Func<Task> run)
    {
        // Tests of this class run one after another (one class = one collection), and other classes use their own servers.
        var before = await CommandStatsAsync();
        await run();
        var after = await CommandStatsAsync();
        var all = after.Where(kv => kv.Value - before.GetValueOrDefault(kv.Key) > 0)
            .ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key));
        output.WriteLine($"{name} x{N}: " + string.Join(", ", all.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value} ({(double)kv.Value / N:0.##}/call)")));

        // What the client sent is EVALSHA/EVAL plus any plain command; commands run inside a script are counted by the
        // server too, so subtract them: they are the script's own, reported above.
        var scriptInner = new HashSet<string> { "exists", "set", "hincrby", "hset", "hget", "llen", "lpush", "hmget", "publish", "pubsub|numsub" };
        return all.Where(kv => !s_background.Contains(kv.Key) && !scriptInner.Contains(kv.Key)).ToDictionary();
    }

    private async Task<Dictionary<string, long>> CommandStatsAsync()
    {
        var info = await redis.AdminServer.InfoRawAsync("commandstats");
        var stats = new Dictionary<string, long>();
        foreach (var line in (info ?? "").Split('\n'))
        {
            // cmdstat_evalsha:calls=12,usec=...
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var calls = line[(colon + "calls=".Length + 1)..line.IndexOf(',', colon)];
            stats[line[8..colon]] = long.Parse(calls, System.Globalization.CultureInfo.InvariantCulture);
        }

        return stats;
    }
}
