using System.Text.Json.Nodes;
using Cndr.Integration.Tests.Infrastructure;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// No ghost host (PROTOCOL §8.23): in a room whose members and answers add up to several times the host's outbound budget,
/// the host's handshake_response, its list_clients pages and its poll_results stay bounded, and the host stays connected
/// and in charge. On the embedded store and on a real redis-server, with the official socket.io-client.
/// </summary>
public sealed class BoundedRepliesRedisTests : NodesOnRedisTestBase
{
    private const int Audience = 300;
    private const int Budget = 256 * 1024;          // MAX_OUTBOUND_BYTES of the node under test
    private const int MetaChars = 4000;             // meta near its 4 KiB limit: the audience's metas add up to ~1.2 MB
    private const int DistinctAnswers = 250;

    // 490 three-byte characters and a number: ~1.5 KB of UTF-8 per answer, 250 of them ~370 KB.
    private static string Answer(int i) => i.ToString("D3") + new string('€', 490);

    [Theory]
    [InlineData("embedded", "polling")]
    [InlineData("redis", "default")]
    public async Task AHostOfAHugeRoomGetsBoundedRepliesAndStaysConnected(string store, string hostTransport)
    {
        var node = await NodeAsync(store, s =>
        {
            s.MaxOutboundBytes = Budget;
            s.RateLimitMessages = 1000;
        });
        var (code, key) = await node.CreateRoomAsync();
        var player = await Js.PlayerAsync("p", node.Url, code, meta: new { playerName = "Alice" });
        var playerId = Str(player, "clientId")!;

        // Hundreds of audience members with a ~4 KiB meta each, joined in parallel batches.
        var audienceIds = new string[Audience];
        for (var batch = 0; batch < Audience; batch += 50)
        {
            await Task.WhenAll(Enumerable.Range(batch, 50).Select(async i =>
            {
                var r = await Js.AudienceAsync("a" + i, node.Url, code, meta: new { i, blob = new string('m', MetaChars) });
                audienceIds[i] = Str(r, "clientId")!;
            }));
        }

        // The host's handshake: every player, at most HANDSHAKE_AUDIENCE_LIMIT (100) audience members, the counts and a cursor.
        var hello = await Js.HostAsync("host", node.Url, code, key, hostTransport);
        var clients = hello["clients"]!.AsArray();
        Assert.Equal(1, Num(hello, "playerCount"));
        Assert.Equal(Audience, Num(hello, "audienceCount"));
        Assert.False(hello["clientsComplete"]!.GetValue<bool>());
        Assert.Contains(clients, c => Str(c, "clientId") == playerId && Str(c, "role") == "player" && c!["meta"]!["playerName"]!.GetValue<string>() == "Alice");
        var listedAudience = clients.Where(c => Str(c, "role") == "audience").Select(c => Str(c, "clientId")!).ToList();
        Assert.Equal(100, listedAudience.Count);

        // Still connected and in charge: state goes out, messages come in.
        var set = await Js.EmitAsync("host", "set_game_state", new { state = new { phase = "lobby" } }, timeoutMs: 10_000);
        AssertOk(set);
        Assert.Equal("lobby", (await Js.NextAsync("p", "game_state", timeoutMs: 10_000))!["state"]!["phase"]!.GetValue<string>());
        AssertOk(await Js.EmitAsync("p", "message_to_host", new { message = "hi host" }));
        Assert.Equal("hi host", (await Js.NextAsync("host", "client_message", timeoutMs: 10_000))!["message"]!.GetValue<string>());

        // The rest of the audience from the handshake's cursor: every member exactly once.
        var fromCursor = await PageAllAsync(new JsonObject { ["role"] = "audience", ["cursor"] = Str(hello, "audienceCursor") });
        Assert.All(fromCursor, c => Assert.Equal("audience", Str(c, "role")));
        var audienceSeen = listedAudience.Concat(fromCursor.Select(c => Str(c, "clientId")!)).ToList();
        Assert.Equal(Audience, audienceSeen.Count);
        Assert.Equal(audienceIds.Order(StringComparer.Ordinal), audienceSeen.Order(StringComparer.Ordinal));

        // Everyone from the start, with the metas: each member once, the host never.
        var everyone = await PageAllAsync(new JsonObject { ["limit"] = 10_000 });
        Assert.Equal(audienceIds.Append(playerId).Order(StringComparer.Ordinal), everyone.Select(c => Str(c, "clientId")!).Order(StringComparer.Ordinal));
        Assert.All(everyone.Where(c => Str(c, "role") == "audience"), c => Assert.Equal(MetaChars, c!["meta"]!["blob"]!.GetValue<string>().Length));

        // Others may not list the members.
        AssertError("FORBIDDEN", await Js.EmitAsync("p", "list_clients", new { }));
        AssertError("FORBIDDEN", await Js.EmitAsync("a0", "list_clients", new { }));

        // A free-text poll with hundreds of long distinct answers (50 of them given twice).
        AssertOk(await Js.EmitAsync("host", "poll_start", new { pollId = "words", type = "free_text", question = "One word?" }));
        await Task.WhenAll(Enumerable.Range(0, Audience).Select(async i =>
        {
            await Js.NextAsync("a" + i, "poll_started", timeoutMs: 10_000);
            AssertOk(await Js.EmitAsync("a" + i, "poll_response", new { pollId = "words", response = Answer(i % DistinctAnswers) }, timeoutMs: 10_000));
        }));
        AssertOk(await Js.EmitAsync("host", "poll_end", new { pollId = "words" }));

        // The first page: the top answers, most frequent first (at most POLL_RESULTS_TOP, 100, and an eighth of the outbound
        // budget in bytes), with the totals; then the rest by cursor.
        var first = (await Js.EmitAsync("host", "poll_results_request", new { pollId = "words" }, timeoutMs: 10_000))!;
        AssertOk(first);
        var results = first["results"]!;
        Assert.Equal(Audience, Num(results, "totalResponses"));
        Assert.Equal(DistinctAnswers, Num(results, "distinctResponses"));
        var counts = new Dictionary<string, long>();
        var page = results["responses"]!.AsObject();
        Assert.InRange(page.Count, 10, 100);
        Assert.All(page.Take(Audience - DistinctAnswers), kv => Assert.Equal(2, kv.Value!.GetValue<long>()));
        var cursor = Str(results, "nextCursor");
        Add(counts, page);
        for (var n = 0; cursor is not null && n < 50; n++)
        {
            var next = (await Js.EmitAsync("host", "poll_results_request", new { pollId = "words", cursor }, timeoutMs: 10_000))!["results"]!;
            Add(counts, next["responses"]!.AsObject());
            cursor = Str(next, "nextCursor");
        }

        Assert.Null(cursor);
        Assert.Equal(DistinctAnswers, counts.Count);
        Assert.Equal(Audience, counts.Values.Sum());
        Assert.Equal(2, counts[Answer(0)]);
        Assert.Equal(1, counts[Answer(DistinctAnswers - 1)]);

        // The host is still connected and still the host.
        await Js.NoneAsync("host", "disconnect");
        AssertOk(await Js.EmitAsync("host", "set_game_state", new { state = new { phase = "done" } }, timeoutMs: 10_000));
        AssertOk(await Js.EmitAsync("p", "message_to_host", new { message = "still there?" }));
        Assert.Equal("still there?", (await Js.NextAsync("host", "client_message", timeoutMs: 10_000))!["message"]!.GetValue<string>());
    }

    private static void Add(Dictionary<string, long> counts, JsonObject page)
    {
        foreach (var (answer, n) in page)
        {
            Assert.True(counts.TryAdd(answer, n!.GetValue<long>()), "listed twice: " + answer[..3]);
        }
    }

    // list_clients pages until nextCursor is null (bounded number of pages); every page is bounded by the node.
    private async Task<List<JsonNode?>> PageAllAsync(JsonObject request)
    {
        var all = new List<JsonNode?>();
        for (var n = 0; n < 200; n++)
        {
            var reply = await Js.EmitAsync("host", "list_clients", request.DeepClone(), timeoutMs: 10_000);
            AssertOk(reply);
            var page = reply!["clients"]!.AsArray();
            Assert.InRange(page.Count, 0, 500);
            all.AddRange(page.Select(c => c!.DeepClone()));
            if (Str(reply, "nextCursor") is not { } next)
            {
                return all;
            }

            request["cursor"] = next;
        }

        Assert.Fail("list_clients never reached the end");
        return all;
    }
}
