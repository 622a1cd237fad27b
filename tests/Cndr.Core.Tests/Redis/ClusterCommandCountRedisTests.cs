using System.Globalization;
using System.Text;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;
using Xunit.Abstractions;

namespace Cndr.Core.Tests.Redis;

/// <summary>
/// The hot-path calls on a three-master cluster send what they send on one server: one EVALSHA per call, to the master
/// owning the room (counted with INFO commandstats summed over every master).
/// </summary>
public sealed class ClusterCommandCountRedisTests(RedisClusterTestServer redis, ITestOutputHelper output) : IClassFixture<RedisClusterTestServer>
{
    private const int N = 200;
    private const long Now = 1_700_000_000_000;

    [Fact]
    public async Task Hot_path_calls_send_one_evalsha_each_on_a_cluster()
    {
        var store = new RedisRelayStore(redis.Connection);
        var code = RedisTestServer.NewCode();
        await store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now);
        await store.StartPollAsync(code, new PollDefinition("q", PollType.SingleChoice, "?", ["a", "b"], true, 0), Now);
        await store.SetGameStateAsync(code, "{}"u8.ToArray(), Now);
        var state = Encoding.UTF8.GetBytes("{\"round\":3}");
        var entry = Encoding.UTF8.GetBytes("{\"clientId\":\"p1\",\"message\":1}");
        var answer = Encoding.UTF8.GetBytes("\"option_1\"");

        var before = await EvalShaCallsAsync();
        for (var i = 0; i < N; i++)
        {
            await store.SetGameStateAsync(code, state, Now + i);
            await store.EnqueueToHostAsync(code, entry, 100_000, Now + i);
            await store.RecordPollResponseAsync(code, "q", "aud-" + (i % 20), answer, Now + i);
        }

        var after = await EvalShaCallsAsync();
        var perMaster = after.Select((a, i) => a - before[i]).ToArray();
        output.WriteLine($"evalsha per master for {3 * N} calls: {string.Join(", ", perMaster)}");
        Assert.Equal(3 * N, perMaster.Sum());
        Assert.Single(perMaster, n => n > 0); // every call of the room went to its one master
    }

    private async Task<long[]> EvalShaCallsAsync()
    {
        var masters = redis.Admin.GetServers().Where(s => !s.IsReplica).OrderBy(s => s.EndPoint.ToString()).ToArray();
        var calls = new long[masters.Length];
        for (var i = 0; i < masters.Length; i++)
        {
            foreach (var line in ((await masters[i].InfoRawAsync("commandstats")) ?? "").Split('\n'))
            {
                if (line.StartsWith("cmdstat_evalsha:calls=", StringComparison.Ordinal))
                {
                    var start = "cmdstat_evalsha:calls=".Length;
                    calls[i] = long.Parse(line[start..line.IndexOf(',', start)], CultureInfo.InvariantCulture);
                }
            }
        }

        return calls;
    }
}
