using System.Security.Cryptography;
using System.Text;
using Cndr.Core.Store;

namespace Cndr.Core.Tests;

/// <summary>
/// The semantics every <see cref="IRelayStore"/> must have. Subclass it with a factory for each implementation
/// (embedded now; the Redis store adds <c>RedisStoreContractTests</c>). Each test uses fresh room codes.
/// </summary>
public abstract class StoreContractTests
{
    private static int s_next;

    protected abstract IRelayStore Store { get; }

    private static RoomCode NewCode()
    {
        var n = Interlocked.Increment(ref s_next);
        var rand = RandomNumberGenerator.GetInt32(0, 36 * 36 * 36);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        var s = new string([alphabet[n % 36], alphabet[(n / 36) % 36], alphabet[(n / 1296) % 36], alphabet[rand % 36], alphabet[(rand / 36) % 36], alphabet[(rand / 1296) % 36]]);
        return RoomCode.TryParse(s, out var c) ? c : throw new InvalidOperationException(s);
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(ReadOnlyMemory<byte> m) => Encoding.UTF8.GetString(m.Span);

    private static byte[] Hash(string token) => SHA256.HashData(B(token));

    private async Task<RoomCode> RoomAsync(int maxPlayers = 0, int maxAudience = 0, string password = "")
    {
        var code = NewCode();
        Assert.Equal(CreateRoomOutcome.Created, await Store.CreateRoomAsync(code, new RoomConfig("hk", password, maxPlayers, maxAudience, 1_700_000_000), 1000));
        return code;
    }

    private Task<SeatJoinResult> SeatAsync(RoomCode code, string clientId, string conn, string token = "tok", string meta = "{}", long now = 2000)
        => Store.JoinPlayerAsync(code, new NewSeat(clientId, Hash(token), conn, "node-a", B(meta), now)).AsTask();

    private static string Uuid() => Guid.NewGuid().ToString("D");

    [Fact]
    public async Task CreateRoomIsCreateIfNotExistsAndKeepsTheFirstConfig()
    {
        var code = await RoomAsync(maxPlayers: 4, password: "pw");
        Assert.Equal(CreateRoomOutcome.AlreadyExists, await Store.CreateRoomAsync(code, new RoomConfig("other", "", 1, 1, 5), 1));
        var config = await Store.GetRoomConfigAsync(code);
        Assert.Equal(new RoomConfig("hk", "pw", 4, 0, 1_700_000_000), config);
    }

    [Fact]
    public async Task RoomInfoHasCountsAndNoSecrets()
    {
        var code = await RoomAsync(maxPlayers: 5, maxAudience: 7, password: "pw");
        await SeatAsync(code, Uuid(), "c1");
        await Store.JoinAudienceAsync(code, new AudienceJoin("a1", "node-a", B("{}"), 3000));
        await Store.ClaimHostAsync(code, "h1", "node-a", 4000);
        var info = await Store.GetRoomInfoAsync(code);
        Assert.NotNull(info);
        Assert.Equal(new RoomInfo(code, true, 5, 7, 1_700_000_000, 1, 1, true, 4000, 0), info);
        Assert.DoesNotContain("pw", info.ToString(), StringComparison.Ordinal);
        Assert.Null(await Store.GetRoomInfoAsync(NewCode()));
        Assert.Null(await Store.GetRoomConfigAsync(NewCode()));
    }

    [Fact]
    public async Task FiftyConcurrentJoinsForTenSeatsGiveExactlyTen()
    {
        var code = await RoomAsync(maxPlayers: 10, maxAudience: 10);
        var joins = Enumerable.Range(0, 50).Select(i => Task.Run(() => SeatAsync(code, Uuid(), $"c{i}")));
        var audience = Enumerable.Range(0, 50).Select(i => Task.Run(() => Store.JoinAudienceAsync(code, new AudienceJoin($"a{i}", "n", B("{}"), 1)).AsTask()));
        var seats = await Task.WhenAll(joins);
        var members = await Task.WhenAll(audience);
        Assert.Equal(10, seats.Count(s => s.Outcome == JoinOutcome.Joined));
        Assert.Equal(40, seats.Count(s => s.Outcome == JoinOutcome.RoomFull));
        Assert.Equal(10, members.Count(s => s.Outcome == JoinOutcome.Joined));
        var info = await Store.GetRoomInfoAsync(code);
        Assert.Equal(10, info!.PlayerCount);
        Assert.Equal(10, info.AudienceCount);
    }

    [Fact]
    public async Task ZeroCapacityMeansUnlimited()
    {
        var code = await RoomAsync();
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(JoinOutcome.Joined, (await SeatAsync(code, Uuid(), $"c{i}")).Outcome);
        }
    }

    [Fact]
    public async Task LeavingFreesASeatForSomeoneElse()
    {
        var code = await RoomAsync(maxPlayers: 1);
        var id = Uuid();
        await SeatAsync(code, id, "c1");
        Assert.Equal(JoinOutcome.RoomFull, (await SeatAsync(code, Uuid(), "c2")).Outcome);
        Assert.Equal(ConnectionEndOutcome.NotCurrent, await Store.LeavePlayerAsync(code, id, "other", 5));
        Assert.Equal(ConnectionEndOutcome.Done, await Store.LeavePlayerAsync(code, id, "c1", 5));
        Assert.Equal(ConnectionEndOutcome.NotFound, await Store.LeavePlayerAsync(code, id, "c1", 5));
        Assert.Equal(JoinOutcome.Joined, (await SeatAsync(code, Uuid(), "c2")).Outcome);
        Assert.Equal(JoinOutcome.SeatNotFound, (await Store.ReclaimSeatAsync(code, new SeatReclaim(id, Hash("tok"), "c3", "n", default, 6))).Outcome);
    }

    [Fact]
    public async Task JoinsOnAMissingRoomAreRoomNotFound()
    {
        var code = NewCode();
        Assert.Equal(JoinOutcome.RoomNotFound, (await SeatAsync(code, Uuid(), "c")).Outcome);
        Assert.Equal(JoinOutcome.RoomNotFound, (await Store.ReclaimSeatAsync(code, new SeatReclaim(Uuid(), Hash("t"), "c", "n", default, 1))).Outcome);
        Assert.Equal(JoinOutcome.RoomNotFound, (await Store.JoinAudienceAsync(code, new AudienceJoin("a", "n", B("{}"), 1))).Outcome);
        Assert.Equal(JoinOutcome.RoomNotFound, (await Store.ClaimHostAsync(code, "h", "n", 1)).Outcome);
        Assert.Equal(StateWriteOutcome.RoomNotFound, (await Store.SetGameStateAsync(code, B("1"), 1)).Outcome);
        Assert.Equal(EnqueueOutcome.RoomNotFound, await Store.EnqueueToHostAsync(code, B("{}"), 10, 1));
        Assert.Equal(PollStartOutcome.RoomNotFound, await Store.StartPollAsync(code, new PollDefinition("p", PollType.FreeText, "Q", [], true, 0), 1));
        Store.TouchActivity(code, 5);
        Assert.Null(await Store.GetRoomInfoAsync(code));
        Assert.DoesNotContain(await Store.ListRoomsAsync(), r => r.Code == code);
    }

    [Fact]
    public async Task HostClaimReturnsThePreviousHostAndReleaseOnlyClearsTheCurrentOne()
    {
        var code = await RoomAsync();
        var first = await Store.ClaimHostAsync(code, "h1", "node-a", 10);
        Assert.Equal(JoinOutcome.Joined, first.Outcome);
        Assert.Null(first.PreviousConnectionId);
        Assert.True(first.FirstHost);
        var second = await Store.ClaimHostAsync(code, "h2", "node-b", 20);
        Assert.Equal("h1", second.PreviousConnectionId);
        Assert.Equal("node-a", second.PreviousNodeId);
        Assert.False(second.FirstHost);
        Assert.Equal(ConnectionEndOutcome.NotCurrent, await Store.ReleaseHostAsync(code, "h1", 30));
        Assert.True((await Store.GetRoomInfoAsync(code))!.HostConnected);
        Assert.Equal(ConnectionEndOutcome.Done, await Store.ReleaseHostAsync(code, "h2", 30));
        Assert.False((await Store.GetRoomInfoAsync(code))!.HostConnected);
        Assert.Equal(ConnectionEndOutcome.NotFound, await Store.ReleaseHostAsync(code, "h2", 30));
        var back = await Store.ClaimHostAsync(code, "h3", "n", 40);
        Assert.Null(back.PreviousConnectionId);
        Assert.False(back.FirstHost); // a host coming back does not activate the room again
    }

    [Fact]
    public async Task HostClaimSnapshotHasGameStateAndEveryMember()
    {
        var code = await RoomAsync();
        var p1 = Uuid();
        var p2 = Uuid();
        await SeatAsync(code, p1, "c1", meta: """{"n":"A"}""", now: 100);
        await SeatAsync(code, p2, "c2", now: 200);
        await Store.JoinAudienceAsync(code, new AudienceJoin("a1", "n", B("""{"x":1}"""), 300));
        await Store.DisconnectPlayerAsync(code, p2, "c2", 400);
        await Store.SetGameStateAsync(code, B("""{"g":1}"""), 500);
        var r = await Store.ClaimHostAsync(code, "h", "n", 600);
        Assert.Equal("""{"g":1}""", S(r.GameState));
        Assert.Equal(1, r.GameStateRev);
        Assert.Equal(3, r.Clients.Count);
        var byId = r.Clients.ToDictionary(c => c.ClientId);
        Assert.Equal((ClientRole.Player, true, 100L, """{"n":"A"}"""), (byId[p1].Role, byId[p1].Connected, byId[p1].JoinedAtMs, S(byId[p1].Meta)));
        Assert.False(byId[p2].Connected);
        Assert.Equal((ClientRole.Audience, true, """{"x":1}"""), (byId["a1"].Role, byId["a1"].Connected, S(byId["a1"].Meta)));
    }

    [Fact]
    public async Task HostClaimListsEveryPlayerAndAtMostTheAudienceLimit()
    {
        var code = await RoomAsync();
        var players = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            players.Add(Uuid());
            await SeatAsync(code, players[^1], "c" + i, now: 5000 + (i * 10));
        }

        // Audience members join before, between and after the players, several in the same millisecond.
        for (var i = 0; i < 10; i++)
        {
            await Store.JoinAudienceAsync(code, new AudienceJoin("a" + i.ToString("D2"), "n", B("""{"i":""" + i + "}"), 4995 + (i / 2 * 5)));
        }

        var r = await Store.ClaimHostAsync(code, "h", "n", 9000, audienceLimit: 4);
        Assert.Equal((3L, 10L), (r.PlayerCount, r.AudienceCount));
        Assert.Equal(players, r.Clients.Where(c => c.Role == ClientRole.Player).Select(c => c.ClientId));
        Assert.Equal(["a00", "a01", "a02", "a03"], r.Clients.Where(c => c.Role == ClientRole.Audience).Select(c => c.ClientId));
        Assert.Equal(r.Clients.OrderBy(c => c.JoinedAtMs).ThenBy(c => c.ClientId, StringComparer.Ordinal).Select(c => c.ClientId), r.Clients.Select(c => c.ClientId));
        Assert.NotNull(r.AudienceCursor);

        // The rest of the audience, from the claim's cursor, in pages of 4: every member once, in join order.
        var rest = new List<string>();
        var cursor = r.AudienceCursor;
        var pages = 0;
        do
        {
            var page = await Store.ListClientsAsync(code, ClientRole.Audience, cursor, 4, 1 << 20, "h");
            Assert.Equal(ClientPageOutcome.Ok, page.Outcome);
            Assert.InRange(page.Page!.Clients.Count, 1, 4);
            Assert.All(page.Page.Clients, c => Assert.Equal(ClientRole.Audience, c.Role));
            rest.AddRange(page.Page.Clients.Select(c => c.ClientId));
            cursor = page.Page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);
        Assert.Equal(Enumerable.Range(4, 6).Select(i => "a" + i.ToString("D2")), rest);

        // Everything fits: no cursor.
        var all = await Store.ClaimHostAsync(code, "h", "n", 9001, audienceLimit: 10);
        Assert.Equal(13, all.Clients.Count);
        Assert.Null(all.AudienceCursor);
    }

    [Fact]
    public async Task ListClientsPagesByRoleAndBytesAndChecksTheHost()
    {
        var code = await RoomAsync();
        var p1 = Uuid();
        await SeatAsync(code, p1, "c1", meta: """{"n":"A"}""", now: 100);
        await Store.JoinAudienceAsync(code, new AudienceJoin("a1", "n", B("""{"big":"xxxxxxxxxx"}"""), 200));
        await Store.JoinAudienceAsync(code, new AudienceJoin("a2", "n", B("""{"big":"yyyyyyyyyy"}"""), 300));
        var p2 = Uuid();
        await SeatAsync(code, p2, "c2", now: 400);
        await Store.DisconnectPlayerAsync(code, p2, "c2", 450);
        await Store.ClaimHostAsync(code, "h", "n", 500);

        var everyone = (await Store.ListClientsAsync(code, null, null, 100, 1 << 20, "h")).Page!;
        Assert.Equal([p1, "a1", "a2", p2], everyone.Clients.Select(c => c.ClientId));
        Assert.Null(everyone.NextCursor);
        Assert.Equal((2L, 2L), (everyone.PlayerCount, everyone.AudienceCount));
        Assert.Equal("""{"n":"A"}""", S(everyone.Clients[0].Meta));
        Assert.False(everyone.Clients[3].Connected);

        var players = (await Store.ListClientsAsync(code, ClientRole.Player, null, 100, 1 << 20)).Page!;
        Assert.Equal([p1, p2], players.Clients.Select(c => c.ClientId));

        // The byte budget ends a page once reached, with at least one member in it.
        var first = (await Store.ListClientsAsync(code, ClientRole.Audience, null, 100, 5)).Page!;
        Assert.Equal(["a1"], first.Clients.Select(c => c.ClientId));
        var second = (await Store.ListClientsAsync(code, ClientRole.Audience, first.NextCursor, 100, 5)).Page!;
        Assert.Equal(["a2"], second.Clients.Select(c => c.ClientId));

        // A cursor whose member left resumes after its position.
        await Store.RemoveAudienceAsync(code, "a1", 600);
        var after = (await Store.ListClientsAsync(code, null, first.NextCursor, 100, 1 << 20)).Page!;
        Assert.Equal(["a2", p2], after.Clients.Select(c => c.ClientId));

        Assert.Equal(ClientPageOutcome.NotHost, (await Store.ListClientsAsync(code, null, null, 10, 1000, "old-host")).Outcome);
        Assert.Equal(ClientPageOutcome.RoomNotFound, (await Store.ListClientsAsync(NewCode(), null, null, 10, 1000)).Outcome);
    }

    [Fact]
    public async Task ReclaimChecksTheTokenHashAndHandsOverTheSeat()
    {
        var code = await RoomAsync(maxPlayers: 1);
        var id = Uuid();
        var join = await SeatAsync(code, id, "c1", token: "secret", meta: """{"n":"A"}""", now: 100);
        Assert.Equal(JoinOutcome.Joined, join.Outcome);
        Assert.Equal(100, join.JoinedAtMs);
        Assert.False(join.HostConnected);
        Assert.True(join.PlayerState.IsEmpty);

        Assert.Equal(JoinOutcome.InvalidSeatToken, (await Store.ReclaimSeatAsync(code, new SeatReclaim(id, Hash("wrong"), "c2", "n", default, 200))).Outcome);
        Assert.Equal(JoinOutcome.InvalidSeatToken, (await Store.ReclaimSeatAsync(code, new SeatReclaim(id, default, "c2", "n", default, 200))).Outcome);
        Assert.Equal(JoinOutcome.SeatNotFound, (await Store.ReclaimSeatAsync(code, new SeatReclaim(Uuid(), Hash("secret"), "c2", "n", default, 200))).Outcome);

        await Store.SetPlayerStateAsync(code, id, B("""{"hand":1}"""), 250);
        var r = await Store.ReclaimSeatAsync(code, new SeatReclaim(id, Hash("secret"), "c2", "node-b", default, 300));
        Assert.Equal(JoinOutcome.Joined, r.Outcome);
        Assert.Equal("c1", r.PreviousConnectionId);
        Assert.Equal("node-a", r.PreviousNodeId);
        Assert.Equal(100, r.JoinedAtMs);
        Assert.Equal("""{"n":"A"}""", S(r.Meta));
        Assert.Equal("""{"hand":1}""", S(r.PlayerState));
        Assert.Equal(1, r.PlayerStateRev);

        // The old connection no longer owns the seat.
        Assert.Equal(ConnectionEndOutcome.NotCurrent, await Store.DisconnectPlayerAsync(code, id, "c1", 400));
        Assert.Equal(ConnectionEndOutcome.Done, await Store.DisconnectPlayerAsync(code, id, "c2", 400));
        var again = await Store.ReclaimSeatAsync(code, new SeatReclaim(id, Hash("secret"), "c3", "n", B("""{"n":"B"}"""), 500));
        Assert.Null(again.PreviousConnectionId);
        Assert.Equal("""{"n":"B"}""", S(again.Meta));
        Assert.Equal(1, (await Store.GetRoomInfoAsync(code))!.PlayerCount);
    }

    [Fact]
    public async Task GameStateRevisionGoesUpByExactlyOnePerWriteEvenUnderConcurrency()
    {
        var code = await RoomAsync();
        var writes = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => Store.SetGameStateAsync(code, B($"{{\"i\":{i}}}"), 100 + i).AsTask())));
        Assert.All(writes, w => Assert.Equal(StateWriteOutcome.Written, w.Outcome));
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), writes.Select(w => w.Rev).Order());
        var last = await Store.SetGameStateAsync(code, B("[1,2,3]"), 900);
        Assert.Equal(41, last.Rev);
        var info = await Store.GetRoomInfoAsync(code);
        Assert.Equal(41, info!.GameStateRev);
        Assert.Equal(900, info.LastActivityMs);
        var snap = await Store.JoinAudienceAsync(code, new AudienceJoin("a", "n", B("{}"), 901));
        Assert.Equal("[1,2,3]", S(snap.GameState));
        Assert.Equal(41, snap.GameStateRev);
    }

    [Fact]
    public async Task StoredStateIsACopyOfTheCallersBytes()
    {
        var code = await RoomAsync();
        var buf = B("""{"a":1}""");
        await Store.SetGameStateAsync(code, buf, 1);
        buf[5] = (byte)'9';
        var snap = await Store.JoinAudienceAsync(code, new AudienceJoin("a", "n", B("{}"), 2));
        Assert.Equal("""{"a":1}""", S(snap.GameState));
    }

    [Fact]
    public async Task PlayerStateHasItsOwnRevisionAndReportsTheSeatsConnection()
    {
        var code = await RoomAsync();
        var a = Uuid();
        var b = Uuid();
        await SeatAsync(code, a, "ca");
        await SeatAsync(code, b, "cb");
        var w1 = await Store.SetPlayerStateAsync(code, a, B("1"), 10);
        var w2 = await Store.SetPlayerStateAsync(code, a, B("2"), 11);
        var w3 = await Store.SetPlayerStateAsync(code, b, B("3"), 12);
        Assert.Equal((StateWriteOutcome.Written, 1L, "ca"), (w1.Outcome, w1.Rev, w1.PlayerConnectionId));
        Assert.Equal(2, w2.Rev);
        Assert.Equal(1, w3.Rev);
        await Store.DisconnectPlayerAsync(code, b, "cb", 13);
        var w4 = await Store.SetPlayerStateAsync(code, b, B("4"), 14);
        Assert.Null(w4.PlayerConnectionId);
        Assert.Equal(StateWriteOutcome.PlayerNotFound, (await Store.SetPlayerStateAsync(code, Uuid(), B("1"), 15)).Outcome);
        await Store.JoinAudienceAsync(code, new AudienceJoin("aud", "n", B("{}"), 16));
        Assert.Equal(StateWriteOutcome.PlayerNotFound, (await Store.SetPlayerStateAsync(code, "aud", B("1"), 17)).Outcome);
    }

    [Fact]
    public async Task ToHostQueueIsBoundedAndDrainsOldestFirst()
    {
        var code = await RoomAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(EnqueueOutcome.Queued, await Store.EnqueueToHostAsync(code, B($"{{\"n\":{i}}}"), 5, 100 + i));
        }

        Assert.Equal(EnqueueOutcome.QueueFull, await Store.EnqueueToHostAsync(code, B("{}"), 5, 200));
        await Store.ClaimHostAsync(code, "h1", "node-a", 150);
        var first = await DrainAsync(code, "h1", 2);
        Assert.Equal(["{\"n\":0}", "{\"n\":1}"], first.Select(S));
        Assert.Equal(EnqueueOutcome.Queued, await Store.EnqueueToHostAsync(code, B("{\"n\":5}"), 5, 300));
        var rest = await DrainAsync(code, "h1", 100);
        Assert.Equal(["{\"n\":2}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}"], rest.Select(S));
        Assert.Empty(await DrainAsync(code, "h1", 100));
    }

    [Fact]
    public async Task ToHostEntriesLeaveOnlyWhenTheCurrentHostAcksThem()
    {
        var code = await RoomAsync();
        for (var i = 0; i < 4; i++)
        {
            await Store.EnqueueToHostAsync(code, B($"{{\"n\":{i}}}"), 10, 100 + i);
        }

        // A peek removes nothing; the byte budget cuts the run but never below the oldest entry.
        Assert.Equal(["{\"n\":0}", "{\"n\":1}"], (await Store.PeekToHostAsync(code, 10, 15)).Select(S));
        Assert.Equal(["{\"n\":0}"], (await Store.PeekToHostAsync(code, 10, 1)).Select(S));
        Assert.Equal(4, (await Store.PeekToHostAsync(code, 10, 1 << 20)).Count);

        // No host, or a host that was replaced: nothing leaves.
        Assert.Equal(0, await Store.AckToHostAsync(code, "h1", 2));
        await Store.ClaimHostAsync(code, "h1", "node-a", 200);
        await Store.ClaimHostAsync(code, "h2", "node-b", 201);
        Assert.Equal(0, await Store.AckToHostAsync(code, "h1", 2));
        Assert.Equal(2, await Store.AckToHostAsync(code, "h2", 2));
        Assert.Equal(["{\"n\":2}", "{\"n\":3}"], (await Store.PeekToHostAsync(code, 10, 1 << 20)).Select(S));
        Assert.Equal(2, await Store.AckToHostAsync(code, "h2", 5));
        Assert.Empty(await Store.PeekToHostAsync(code, 10, 1 << 20));
    }

    [Fact]
    public async Task AckAndPeekRemovesTheWrittenEntriesAndReadsTheNextOnesInOneStep()
    {
        var code = await RoomAsync();
        for (var i = 0; i < 5; i++)
        {
            await Store.EnqueueToHostAsync(code, B($"{{\"n\":{i}}}"), 10, 100 + i);
        }

        await Store.ClaimHostAsync(code, "h1", "node-a", 150);

        // Nothing to acknowledge yet: a plain read (byte budget as PeekToHost: never below the oldest entry).
        var first = await Store.AckAndPeekToHostAsync(code, "h1", 0, 2, int.MaxValue);
        Assert.Equal(0, first.Removed);
        Assert.Equal(["{\"n\":0}", "{\"n\":1}"], first.Entries.Select(S));
        Assert.True(first.More);
        Assert.Equal(["{\"n\":2}"], (await Store.AckAndPeekToHostAsync(code, "h1", 2, 10, 1)).Entries.Select(S));

        // A replaced host's acknowledgement removes nothing and reads nothing: its entries stay for the new host.
        await Store.ClaimHostAsync(code, "h2", "node-b", 200);
        var refused = await Store.AckAndPeekToHostAsync(code, "h1", 1, 10, int.MaxValue);
        Assert.Equal(0, refused.Removed);
        Assert.Empty(refused.Entries);

        var next = await Store.AckAndPeekToHostAsync(code, "h2", 1, 10, int.MaxValue);
        Assert.Equal(1, next.Removed);
        Assert.Equal(["{\"n\":3}", "{\"n\":4}"], next.Entries.Select(S));
        Assert.False(next.More);
        var last = await Store.AckAndPeekToHostAsync(code, "h2", 2, 10, int.MaxValue);
        Assert.Equal(2, last.Removed);
        Assert.Empty(last.Entries);
        Assert.False(last.More);
        Assert.Empty(await Store.PeekToHostAsync(code, 10, int.MaxValue));
    }

    private async Task<IReadOnlyList<ReadOnlyMemory<byte>>> DrainAsync(RoomCode code, string host, int max)
    {
        var entries = await Store.PeekToHostAsync(code, max, int.MaxValue);
        Assert.Equal(entries.Count, await Store.AckToHostAsync(code, host, entries.Count));
        return entries;
    }

    [Fact]
    public async Task ConcurrentEnqueuesNeverPassTheBound()
    {
        var code = await RoomAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(() => Store.EnqueueToHostAsync(code, B($"{i}"), 25, i).AsTask())));
        Assert.Equal(25, results.Count(r => r == EnqueueOutcome.Queued));
        Assert.Equal(25, (await Store.PeekToHostAsync(code, 1000, int.MaxValue)).Count);
    }

    [Fact]
    public async Task ActivePollsKeepTheirDeadlineAndLiveFlagInStartOrder()
    {
        var code = await RoomAsync();
        Assert.Empty(await Store.GetActivePollsAsync(code));
        Assert.Equal(PollStartOutcome.Started, await Store.StartPollAsync(code, new PollDefinition("timed", PollType.SingleChoice, "Q?", ["a", "b"], true, 0, EndsAtMs: 5000, LiveResults: true), 100));
        Assert.Equal(PollStartOutcome.Started, await Store.StartPollAsync(code, new PollDefinition("plain", PollType.FreeText, "Q?", [], true, 0), 200));
        Assert.Equal(PollStartOutcome.Started, await Store.StartPollAsync(code, new PollDefinition("done", PollType.FreeText, "Q?", [], true, 0), 300));
        Assert.Equal(PollOutcome.Ok, await Store.EndPollAsync(code, "done", 400));

        var active = await Store.GetActivePollsAsync(code);
        Assert.Equal(["timed", "plain"], active.Select(p => p.PollId));
        Assert.Equal((5000L, true), (active[0].EndsAtMs, active[0].LiveResults));
        Assert.Equal((0L, false), (active[1].EndsAtMs, active[1].LiveResults));
        var got = await Store.GetPollAsync(code, "timed");
        Assert.Equal((5000L, true), (got!.EndsAtMs, got.LiveResults));
        Assert.Empty(await Store.GetActivePollsAsync(NewCode()));
    }

    [Fact]
    public async Task ARoomsLossIsClaimedOnceAndADeletedRoomIsNotLost()
    {
        // Two nodes find the same room gone: one claim wins (one room_closed "lost" webhook per fleet).
        var lost = NewCode();
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Store.TryClaimRoomLostAsync(lost).AsTask())));
        Assert.Single(claims, c => c == RoomLossClaim.Claimed);
        Assert.Equal(7, claims.Count(c => c == RoomLossClaim.ClaimedBefore));

        // A room closed through the store was not lost: its close reported it.
        var closed = await RoomAsync();
        Assert.True(await Store.DeleteRoomAsync(closed));
        Assert.Equal(RoomLossClaim.Closed, await Store.TryClaimRoomLostAsync(closed));
        var hosted = await RoomAsync();
        await Store.ClaimHostAsync(hosted, "h", "n", 1);
        Assert.Equal(ConnectionEndOutcome.Done, await Store.DeleteRoomAsHostAsync(hosted, "h"));
        Assert.Equal(RoomLossClaim.Closed, await Store.TryClaimRoomLostAsync(hosted));
    }

    [Fact]
    public async Task AnAudienceJoiningSeesEachActivePollWithItsDeadline()
    {
        // handshake_response.polls of the audience carries endsAt for a countdown (PROTOCOL §9.1).
        var code = await RoomAsync();
        Assert.Equal(PollStartOutcome.Started, await Store.StartPollAsync(code, new PollDefinition("timed", PollType.SingleChoice, "Q?", ["a", "b"], true, 0, EndsAtMs: 5000), 100));
        Assert.Equal(PollStartOutcome.Started, await Store.StartPollAsync(code, new PollDefinition("plain", PollType.FreeText, "Q?", [], true, 0), 200));
        Assert.Equal(PollStartOutcome.Started, await Store.StartPollAsync(code, new PollDefinition("done", PollType.FreeText, "Q?", [], true, 0), 300));
        Assert.Equal(PollOutcome.Ok, await Store.EndPollAsync(code, "done", 400));

        var polls = (await Store.JoinAudienceAsync(code, new AudienceJoin("aud", "n", B("{}"), 500))).ActivePolls;
        Assert.Equal(["timed", "plain"], polls.Select(p => p.PollId));
        Assert.Equal((PollType.SingleChoice, 100L, 5000L), (polls[0].Type, polls[0].StartedAtMs, polls[0].EndsAtMs));
        Assert.Equal(["a", "b"], polls[0].Options);
        Assert.Equal((PollType.FreeText, 200L, 0L), (polls[1].Type, polls[1].StartedAtMs, polls[1].EndsAtMs));
    }

    [Fact]
    public async Task PollsStartOnceEndOnceAndAcceptAnswersOnlyWhileActive()
    {
        var code = await RoomAsync();
        var poll = new PollDefinition("p-1", PollType.MultipleChoice, "Q?", ["a", "b", "c"], true, 0);
        Assert.Equal(PollStartOutcome.Started, await Store.StartPollAsync(code, poll, 100));
        Assert.Equal(PollStartOutcome.PollExists, await Store.StartPollAsync(code, poll, 101));
        var got = await Store.GetPollAsync(code, "p-1");
        Assert.NotNull(got);
        Assert.Equal(("p-1", PollType.MultipleChoice, "Q?", true, 100L), (got.PollId, got.Type, got.Question, got.Active, got.StartedAtMs));
        Assert.Equal(["a", "b", "c"], got.Options);

        Assert.Equal(PollOutcome.Ok, await Store.RecordPollResponseAsync(code, "p-1", "x", B("""["option_0"]"""), 110));
        Assert.Equal(PollOutcome.Ok, await Store.RecordPollResponseAsync(code, "p-1", "y", B("""["option_1"]"""), 111));
        Assert.Equal(PollOutcome.Ok, await Store.RecordPollResponseAsync(code, "p-1", "x", B("""["option_2"]"""), 112));
        Assert.Equal(PollOutcome.PollNotFound, await Store.RecordPollResponseAsync(code, "zz", "x", B("1"), 113));

        Assert.Equal(PollOutcome.Ok, await Store.EndPollAsync(code, "p-1", 120));
        Assert.Equal(PollOutcome.PollNotActive, await Store.EndPollAsync(code, "p-1", 121));
        Assert.Equal(PollOutcome.PollNotFound, await Store.EndPollAsync(code, "zz", 121));
        Assert.Equal(PollOutcome.PollNotActive, await Store.RecordPollResponseAsync(code, "p-1", "z", B("[]"), 130));

        var snap = await Store.GetPollResponsesAsync(code, "p-1");
        Assert.NotNull(snap);
        Assert.False(snap.Poll.Active);
        Assert.Equal(["""["option_1"]""", """["option_2"]"""], snap.Responses.Select(S).Order());
        Assert.Null(await Store.GetPollResponsesAsync(code, "zz"));
    }

    [Fact]
    public async Task AudienceJoinListsOnlyActivePollsInStartOrder()
    {
        var code = await RoomAsync();
        await Store.StartPollAsync(code, new PollDefinition("b", PollType.FreeText, "1", [], true, 0), 1);
        await Store.StartPollAsync(code, new PollDefinition("a", PollType.SingleChoice, "2", ["x", "y"], true, 0), 2);
        await Store.StartPollAsync(code, new PollDefinition("c", PollType.FreeText, "3", [], true, 0), 3);
        await Store.EndPollAsync(code, "c", 4);
        var r = await Store.JoinAudienceAsync(code, new AudienceJoin("a1", "n", B("{}"), 5));
        Assert.Equal(["b", "a"], r.ActivePolls.Select(p => p.PollId));
        Assert.Equal(ConnectionEndOutcome.Done, await Store.RemoveAudienceAsync(code, "a1", 6));
        Assert.Equal(ConnectionEndOutcome.NotFound, await Store.RemoveAudienceAsync(code, "a1", 6));
        Assert.Equal(0, (await Store.GetRoomInfoAsync(code))!.AudienceCount);
    }

    [Fact]
    public async Task DeleteRemovesEveryKeyOfTheRoomAndNothingRecreatesIt()
    {
        var code = await RoomAsync();
        var other = await RoomAsync();
        await Store.SetGameStateAsync(other, B("0"), 1);
        var id = Uuid();
        await SeatAsync(code, id, "c1");
        await Store.JoinAudienceAsync(code, new AudienceJoin("a1", "n", B("{}"), 1));
        await Store.ClaimHostAsync(code, "h", "n", 1);
        await Store.SetGameStateAsync(code, B("1"), 1);
        await Store.SetPlayerStateAsync(code, id, B("1"), 1);
        await Store.StartPollAsync(code, new PollDefinition("p", PollType.FreeText, "Q", [], true, 0), 1);
        await Store.RecordPollResponseAsync(code, "p", "a1", B("hi"), 1);
        await Store.EnqueueToHostAsync(code, B("{}"), 10, 1);

        Assert.True(await Store.DeleteRoomAsync(code));
        Assert.False(await Store.DeleteRoomAsync(code));
        Assert.Null(await Store.GetRoomConfigAsync(code));
        Assert.Null(await Store.GetRoomInfoAsync(code));
        Assert.Null(await Store.GetPollAsync(code, "p"));
        Assert.Null(await Store.GetPollResponsesAsync(code, "p"));
        Assert.Empty(await Store.PeekToHostAsync(code, 10, int.MaxValue));
        Assert.Equal(0, await Store.AckToHostAsync(code, "h", 10));
        Assert.Equal(StateWriteOutcome.RoomNotFound, (await Store.SetGameStateAsync(code, B("2"), 2)).Outcome);
        Assert.Equal(StateWriteOutcome.RoomNotFound, (await Store.SetPlayerStateAsync(code, id, B("2"), 2)).Outcome);
        Assert.Equal(ConnectionEndOutcome.NotFound, await Store.DisconnectPlayerAsync(code, id, "c1", 2));
        Assert.Equal(ConnectionEndOutcome.NotFound, await Store.ReleaseHostAsync(code, "h", 2));
        var rooms = await Store.ListRoomsAsync();
        Assert.DoesNotContain(rooms, r => r.Code == code);
        Assert.Contains(rooms, r => r.Code == other);

        // The code starts from nothing when created again.
        Assert.Equal(CreateRoomOutcome.Created, await Store.CreateRoomAsync(code, new RoomConfig("k2", "", 0, 0, 1), 50));
        var info = await Store.GetRoomInfoAsync(code);
        Assert.Equal((0, 0, false, 0L), (info!.PlayerCount, info.AudienceCount, info.HostConnected, info.GameStateRev));
        Assert.Equal(JoinOutcome.SeatNotFound, (await Store.ReclaimSeatAsync(code, new SeatReclaim(id, Hash("tok"), "c", "n", default, 51))).Outcome);
        Assert.Equal(PollStartOutcome.Started, await Store.StartPollAsync(code, new PollDefinition("p", PollType.FreeText, "Q", [], true, 0), 52));
    }

    [Fact]
    public async Task ListRoomsReportsLastActivity()
    {
        var code = await RoomAsync();
        // Created but never activated: not subject to inactivity cleanup.
        Assert.DoesNotContain(await Store.ListRoomsAsync(), r => r.Code == code);
        await Store.SetGameStateAsync(code, B("1"), 1000);
        Assert.Contains(await Store.ListRoomsAsync(), r => r.Code == code && r.LastActivityMs == 1000);
        await Store.EnqueueToHostAsync(code, B("{}"), 10, 5000);
        Assert.Contains(await Store.ListRoomsAsync(), r => r.Code == code && r.LastActivityMs == 5000);
        Store.TouchActivity(code, 7000);
        // Touch is best effort and may complete later (fire-and-forget in Redis): poll briefly.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((await Store.GetRoomInfoAsync(code))!.LastActivityMs != 7000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(7000, (await Store.GetRoomInfoAsync(code))!.LastActivityMs);
    }

    [Fact]
    public async Task ReleaseNodeFreesTheDeadNodesHostAndAudienceAndDisconnectsItsPlayersKeepingTheirSeats()
    {
        var code = await RoomAsync(maxAudience: 5);
        var dead = "dead-" + Uuid();
        var alivePlayer = Uuid();
        var deadPlayer = Uuid();
        await Store.JoinPlayerAsync(code, new NewSeat(alivePlayer, Hash("t1"), "c-alive", "node-live", B("{}"), 2000));
        await Store.JoinPlayerAsync(code, new NewSeat(deadPlayer, Hash("t2"), "c-dead", dead, B("{}"), 2000));
        await Store.JoinAudienceAsync(code, new AudienceJoin("a-dead", dead, B("{}"), 2000));
        await Store.JoinAudienceAsync(code, new AudienceJoin("a-live", "node-live", B("{}"), 2000));
        await Store.ClaimHostAsync(code, "h-dead", dead, 3000);
        var other = await RoomAsync();
        await Store.ClaimHostAsync(other, "h-live", "node-live", 3000);

        var released = await Store.ReleaseNodeAsync(dead, 9000);

        var r = Assert.Single(released, x => x.Code == code);
        Assert.DoesNotContain(released, x => x.Code == other);
        Assert.Equal("h-dead", r.HostConnectionId);
        Assert.Equal([deadPlayer], r.DisconnectedPlayers);
        Assert.Equal(["a-dead"], r.RemovedAudience);
        var info = (await Store.GetRoomInfoAsync(code))!;
        Assert.False(info.HostConnected);
        Assert.Equal(2, info.PlayerCount); // seats kept
        Assert.Equal(1, info.AudienceCount);
        Assert.Equal(3000, info.LastActivityMs); // cleanup is not activity
        Assert.True((await Store.GetRoomInfoAsync(other))!.HostConnected);

        // The dead node's player reclaims its seat elsewhere; the living player's connection was untouched.
        var back = await Store.ReclaimSeatAsync(code, new SeatReclaim(deadPlayer, Hash("t2"), "c-new", "node-live", default, 9500));
        Assert.Equal(JoinOutcome.Joined, back.Outcome);
        Assert.Null(back.PreviousConnectionId);
        Assert.Equal(ConnectionEndOutcome.Done, await Store.DisconnectPlayerAsync(code, alivePlayer, "c-alive", 9600));

        // A second pass finds nothing; a host claimed anew by a live node is not released.
        await Store.ClaimHostAsync(code, "h-new", "node-live", 9700);
        Assert.DoesNotContain(await Store.ReleaseNodeAsync(dead, 9800), x => x.Code == code);
        Assert.True((await Store.GetRoomInfoAsync(code))!.HostConnected);
    }

    [Fact]
    public async Task RoomsExistTellsWhichRoomsAreStillThere()
    {
        var a = await RoomAsync();
        var b = await RoomAsync();
        Assert.True(await Store.DeleteRoomAsync(b));
        var exist = await Store.RoomsExistAsync([a, b, NewCode()]);
        Assert.Equal(new[] { true, false, false }, exist);
        Assert.Empty(await Store.RoomsExistAsync([]));
    }

    [Fact]
    public async Task ListMembersHasTheHostEverySeatAndTheAudienceInJoinOrder()
    {
        var code = await RoomAsync();
        Assert.Empty((await Store.ListMembersAsync(code))!);
        var p1 = Uuid();
        var p2 = Uuid();
        await SeatAsync(code, p1, "c1", now: 100);
        await SeatAsync(code, p2, "c2", now: 200);
        await Store.JoinAudienceAsync(code, new AudienceJoin("a1", "node-b", B("{}"), 300));
        await Store.DisconnectPlayerAsync(code, p2, "c2", 400);
        await Store.ClaimHostAsync(code, "h1", "node-h", 600);

        var members = (await Store.ListMembersAsync(code))!;
        Assert.Equal(
            [
                new MemberInfo(p1, ClientRole.Player, "c1", "node-a", 100),
                new MemberInfo(p2, ClientRole.Player, null, null, 200),
                new MemberInfo("a1", ClientRole.Audience, "a1", "node-b", 300),
                new MemberInfo("h1", ClientRole.Host, "h1", "node-h", 600),
            ],
            members);

        await Store.ReleaseHostAsync(code, "h1", 700);
        await Store.LeavePlayerAsync(code, p1, "c1", 700);
        Assert.Equal([p2, "a1"], (await Store.ListMembersAsync(code))!.Select(m => m.ClientId));
        Assert.Null(await Store.ListMembersAsync(NewCode()));
    }

    [Fact]
    public async Task ListPollsHasEveryPollInStartOrderWithItsStatus()
    {
        var code = await RoomAsync();
        Assert.Empty(await Store.ListPollsAsync(code));
        await Store.StartPollAsync(code, new PollDefinition("b", PollType.FreeText, "1", [], true, 0), 1);
        await Store.StartPollAsync(code, new PollDefinition("a", PollType.SingleChoice, "2", ["x", "y"], true, 0), 2);
        await Store.EndPollAsync(code, "b", 3);
        var polls = await Store.ListPollsAsync(code);
        Assert.Equal([("b", false), ("a", true)], polls.Select(p => (p.PollId, p.Active)));
        Assert.Equal(["x", "y"], polls[1].Options);
        Assert.Empty(await Store.ListPollsAsync(NewCode()));
    }

    [Fact]
    public async Task GetGameStateHasTheStateAndItsRevision()
    {
        var code = await RoomAsync();
        var empty = await Store.GetGameStateAsync(code);
        Assert.Equal((0, 0L), (empty!.State.Length, empty.Rev));
        await Store.SetGameStateAsync(code, B("""{"g":1}"""), 10);
        await Store.SetGameStateAsync(code, B("""{"g":2}"""), 11);
        var got = await Store.GetGameStateAsync(code);
        Assert.Equal(("""{"g":2}""", 2L), (S(got!.State), got.Rev));
        Assert.Null(await Store.GetGameStateAsync(NewCode()));
        await Store.DeleteRoomAsync(code);
        Assert.Null(await Store.GetGameStateAsync(code));
    }

    [Fact]
    public async Task RoomStatesReadTheGameStateAndEachAskedPlayersStateWithTheirRevs()
    {
        Assert.Null(await Store.GetRoomStatesAsync(NewCode(), []));
        var code = await RoomAsync();
        var (a, b, gone) = (Uuid(), Uuid(), Uuid());
        await SeatAsync(code, a, "c1");
        await SeatAsync(code, b, "c2");
        var empty = await Store.GetRoomStatesAsync(code, [a]);
        Assert.Equal((0L, ""), (empty!.Game.Rev, S(empty.Game.State)));
        Assert.Equal((0L, ""), (empty.Players[0].Rev, S(empty.Players[0].State)));

        await Store.SetGameStateAsync(code, B("""{"g":1}"""), 10);
        await Store.SetGameStateAsync(code, B("""{"g":2}"""), 11);
        await Store.SetPlayerStateAsync(code, a, B("""{"a":1}"""), 12);
        await Store.SetPlayerStateAsync(code, b, B("""{"b":1}"""), 13);
        await Store.SetPlayerStateAsync(code, b, B("""{"b":2}"""), 14);

        var r = await Store.GetRoomStatesAsync(code, [b, gone, a]);
        Assert.Equal((2L, """{"g":2}"""), (r!.Game.Rev, S(r.Game.State)));
        Assert.Equal(
            [(2L, """{"b":2}"""), (0L, ""), (1L, """{"a":1}""")],
            r.Players.Select(p => (p.Rev, S(p.State))).ToArray());

        await Store.DeleteRoomAsync(code);
        Assert.Null(await Store.GetRoomStatesAsync(code, [a]));
    }
}

public sealed class EmbeddedStoreContractTests : StoreContractTests
{
    protected override IRelayStore Store { get; } = new EmbeddedRelayStore();
}
