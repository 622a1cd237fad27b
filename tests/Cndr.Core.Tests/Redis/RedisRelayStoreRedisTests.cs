using System.Security.Cryptography;
using System.Text;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;
using StackExchange.Redis;

namespace Cndr.Core.Tests.Redis;

public sealed class RedisRelayStoreRedisTests(RedisTestServer redis) : IClassFixture<RedisTestServer>
{
    private const long Now = 1_700_000_000_000;
    private readonly RedisRelayStore _store = new(redis.Connection);

    private static RoomConfig Config(int maxPlayers = 0, int maxAudience = 0, string password = "") =>
        new("host-key-secret", password, maxPlayers, maxAudience, 1_700_000_000);

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static (StateWriteOutcome, long) Written(StateWriteResult r) => (r.Outcome, r.Rev);

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static NewSeat Seat(string clientId, string connectionId, string token = "tok", string meta = "{}", long now = Now) =>
        new(clientId, Hash(token), connectionId, "node-1", Utf8(meta), now);

    private async Task<RoomCode> NewRoomAsync(int maxPlayers = 0, int maxAudience = 0)
    {
        var code = RedisTestServer.NewCode();
        Assert.Equal(CreateRoomOutcome.Created, await _store.CreateRoomAsync(code, Config(maxPlayers, maxAudience), Now));
        return code;
    }

    [Fact]
    public async Task Creating_a_room_writes_the_design_keys_and_a_second_create_changes_nothing()
    {
        var code = RedisTestServer.NewCode();
        Assert.Equal(CreateRoomOutcome.Created, await _store.CreateRoomAsync(code, Config(10, 50, "pw"), Now));
        Assert.Equal(CreateRoomOutcome.AlreadyExists, await _store.CreateRoomAsync(code, Config(3, 3, "other"), Now + 5));

        var config = (await redis.Db.HashGetAllAsync($"room:config:{code}")).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal("pw", config["password"]);
        Assert.Equal("host-key-secret", config["hostKey"]);
        Assert.Equal("10", config["maxPlayers"]);
        Assert.Equal("50", config["maxAudience"]);
        Assert.Equal("1700000000", config["createdAt"]);
        // room:state appears only when the room is activated (first join or write).
        Assert.False(await redis.Db.KeyExistsAsync($"room:state:{code}"));

        var read = await _store.GetRoomConfigAsync(code);
        Assert.Equal(Config(10, 50, "pw"), read);
        var info = await _store.GetRoomInfoAsync(code);
        Assert.NotNull(info);
        Assert.True(info.HasPassword);
        Assert.Equal(1_700_000_000_000, info.LastActivityMs); // createdAt until activated
        Assert.False(info.HostConnected);

        await _store.ClaimHostAsync(code, "h1", "node-1", Now + 7);
        var state = (await redis.Db.HashGetAllAsync($"room:state:{code}")).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal((Now + 7).ToString(System.Globalization.CultureInfo.InvariantCulture), state["lastActivity"]);
        Assert.Equal("h1", state["hostClientId"]);
        Assert.Equal("node-1", state["hostNodeId"]);
    }

    [Fact]
    public async Task A_room_whose_config_was_written_by_an_external_tool_is_usable()
    {
        var code = RedisTestServer.NewCode();
        await redis.Db.HashSetAsync($"room:config:{code}",
            [new("password", ""), new("hostKey", "ext-key"), new("maxPlayers", "2"), new("maxAudience", "0"), new("createdAt", "1678901234")]);

        Assert.Equal(new RoomConfig("ext-key", "", 2, 0, 1678901234), await _store.GetRoomConfigAsync(code));
        var info = await _store.GetRoomInfoAsync(code);
        Assert.NotNull(info);
        Assert.Equal(1678901234000, info.LastActivityMs);
        Assert.Equal(0, info.PlayerCount);
        Assert.DoesNotContain(await _store.ListRoomsAsync(), r => r.Code == code); // created, never activated

        var host = await _store.ClaimHostAsync(code, "h1", "node-1", Now);
        Assert.Equal(JoinOutcome.Joined, host.Outcome);
        Assert.Null(host.PreviousConnectionId);
        Assert.Equal(0, host.GameStateRev);
        Assert.Equal(JoinOutcome.Joined, (await _store.JoinPlayerAsync(code, Seat("p1", "c1"))).Outcome);
        Assert.Equal(JoinOutcome.Joined, (await _store.JoinPlayerAsync(code, Seat("p2", "c2"))).Outcome);
        Assert.Equal(JoinOutcome.RoomFull, (await _store.JoinPlayerAsync(code, Seat("p3", "c3"))).Outcome);
        Assert.Equal((StateWriteOutcome.Written, 1L), Written(await _store.SetGameStateAsync(code, Utf8("{\"a\":1}"), Now + 1)));
        Assert.Equal(Now + 1, (await _store.ListRoomsAsync()).Single(r => r.Code == code).LastActivityMs);
    }

    [Fact]
    public async Task Fifty_racing_joins_for_ten_seats_give_exactly_ten_seats()
    {
        var code = await NewRoomAsync(maxPlayers: 10);
        var joins = Enumerable.Range(0, 50).Select(i => _store.JoinPlayerAsync(code, Seat($"p{i}", $"c{i}")).AsTask());
        var results = await Task.WhenAll(joins);

        Assert.Equal(10, results.Count(r => r.Outcome == JoinOutcome.Joined));
        Assert.Equal(40, results.Count(r => r.Outcome == JoinOutcome.RoomFull));
        Assert.Equal(10, await redis.Db.SortedSetLengthAsync($"room:clients:{code}"));
        Assert.Equal("10", (string?)await redis.Db.HashGetAsync($"room:state:{code}", "playerCount"));
        Assert.Equal(10, (await _store.GetRoomInfoAsync(code))!.PlayerCount);
    }

    [Fact]
    public async Task Every_game_state_write_raises_the_revision_by_exactly_one_even_when_racing()
    {
        var code = await NewRoomAsync();
        var writes = Enumerable.Range(0, 40).Select(i => _store.SetGameStateAsync(code, Utf8($"{{\"n\":{i}}}"), Now + i).AsTask());
        var results = await Task.WhenAll(writes);

        Assert.All(results, r => Assert.Equal(StateWriteOutcome.Written, r.Outcome));
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), results.Select(r => r.Rev).Order());
        Assert.Equal(41, (await _store.SetGameStateAsync(code, Utf8("{}"), Now)).Rev);
        Assert.Equal("41", (string?)await redis.Db.HashGetAsync($"room:state:{code}", "gameStateRev"));
    }

    [Fact]
    public async Task Opaque_state_is_stored_byte_for_byte()
    {
        var code = await NewRoomAsync();
        byte[] state = [.. Utf8("{\"s\":\"é ü \\u0000\",\"n\":1.50e3}"), 0xFF, 0x00, 0x80];
        await _store.SetGameStateAsync(code, state, Now);

        Assert.Equal(state, (byte[]?)await redis.Db.StringGetAsync($"room:gamestate:{code}"));
        var host = await _store.ClaimHostAsync(code, "h", "n", Now);
        Assert.Equal(state, host.GameState.ToArray());
    }

    /// <summary>A deleted room leaves only <c>room:closed:&lt;code&gt;</c>, expiring (it tells a loss from a close).</summary>
    private async Task AssertOnlyTheClosedMarkLeftAsync(RoomCode code)
    {
        Assert.Equal([$"room:closed:{code}"], redis.KeysOf(code));
        var ttl = await redis.Db.KeyTimeToLiveAsync($"room:closed:{code}");
        Assert.InRange(ttl!.Value.TotalMilliseconds, 1, IRelayStore.RoomClosedMarkMs);
    }

    [Fact]
    public async Task Writes_to_a_missing_or_deleted_room_report_it_and_create_no_keys()
    {
        var code = await NewRoomAsync();
        Assert.True(await _store.DeleteRoomAsync(code));
        Assert.False(await _store.DeleteRoomAsync(code));

        Assert.Equal(StateWriteOutcome.RoomNotFound, (await _store.SetGameStateAsync(code, Utf8("{}"), Now)).Outcome);
        Assert.Equal(StateWriteOutcome.RoomNotFound, (await _store.SetPlayerStateAsync(code, "p", Utf8("{}"), Now)).Outcome);
        Assert.Equal(EnqueueOutcome.RoomNotFound, await _store.EnqueueToHostAsync(code, Utf8("{}"), 10, Now));
        Assert.Equal(JoinOutcome.RoomNotFound, (await _store.JoinPlayerAsync(code, Seat("p", "c"))).Outcome);
        Assert.Equal(JoinOutcome.RoomNotFound, (await _store.JoinAudienceAsync(code, new AudienceJoin("a", "n", Utf8("{}"), Now))).Outcome);
        Assert.Equal(JoinOutcome.RoomNotFound, (await _store.ClaimHostAsync(code, "h", "n", Now)).Outcome);
        Assert.Equal(PollStartOutcome.RoomNotFound, await _store.StartPollAsync(code, Poll("q"), Now));
        Assert.Equal(PollOutcome.PollNotFound, await _store.RecordPollResponseAsync(code, "q", "a", Utf8("\"option_0\""), Now));
        _store.TouchActivity(code, Now);
        await _store.GetRoomConfigAsync(code); // same connection: ordered after the fire-and-forget touch

        await AssertOnlyTheClosedMarkLeftAsync(code);
        Assert.Null(await _store.GetRoomInfoAsync(code));
        Assert.Null(await _store.GetRoomConfigAsync(code));
    }

    [Fact]
    public async Task Deleting_a_room_removes_every_key_of_it_and_nothing_else()
    {
        var code = await NewRoomAsync();
        var other = await NewRoomAsync();
        await _store.ClaimHostAsync(code, "host-conn", "node-1", Now);
        await _store.JoinPlayerAsync(code, Seat("p1", "c1"));
        await _store.JoinPlayerAsync(code, Seat("p2", "c2"));
        await _store.DisconnectPlayerAsync(code, "p2", "c2", Now);
        await _store.SetPlayerStateAsync(code, "p1", Utf8("{\"hand\":[1]}"), Now);
        await _store.SetPlayerStateAsync(code, "p2", Utf8("{\"hand\":[2]}"), Now);
        await _store.JoinAudienceAsync(code, new AudienceJoin("aud-1", "node-1", Utf8("{}"), Now));
        await _store.SetGameStateAsync(code, Utf8("{}"), Now);
        await _store.StartPollAsync(code, Poll("q1"), Now);
        await _store.StartPollAsync(code, Poll("q2"), Now);
        await _store.RecordPollResponseAsync(code, "q1", "aud-1", Utf8("\"option_1\""), Now);
        await _store.EnqueueToHostAsync(code, Utf8("{\"m\":1}"), 10, Now);
        await _store.SetGameStateAsync(other, Utf8("{}"), Now);
        var before = redis.KeysOf(code);
        Assert.Contains($"room:client:{code}:p2", before);
        Assert.Contains($"room:poll:responses:{code}:q1", before);
        Assert.Contains($"room:playerstate:{code}:p2", before);

        Assert.True(await _store.DeleteRoomAsync(code));

        await AssertOnlyTheClosedMarkLeftAsync(code);
        Assert.Equal(3, redis.KeysOf(other).Count); // config, state, gamestate of the other room
    }

    [Fact]
    public async Task Claiming_the_host_returns_the_previous_host_and_the_room_snapshot()
    {
        var code = await NewRoomAsync();
        await _store.JoinPlayerAsync(code, Seat("p1", "c1", meta: "{\"name\":\"Ann\"}", now: Now + 1));
        await _store.JoinPlayerAsync(code, Seat("p2", "c2", now: Now + 2));
        await _store.DisconnectPlayerAsync(code, "p2", "c2", Now + 3);
        await _store.JoinAudienceAsync(code, new AudienceJoin("a1", "node-2", Utf8("{\"x\":1}"), Now + 4));
        await _store.SetGameStateAsync(code, Utf8("{\"g\":1}"), Now + 5);

        var first = await _store.ClaimHostAsync(code, "h1", "node-1", Now + 6);
        Assert.Null(first.PreviousConnectionId);
        Assert.Null(first.PreviousNodeId);
        Assert.Equal("{\"g\":1}", Encoding.UTF8.GetString(first.GameState.Span));
        Assert.Equal(1, first.GameStateRev);
        Assert.Collection(first.Clients,
            c => Assert.Equal(("p1", ClientRole.Player, true, Now + 1, "{\"name\":\"Ann\"}"), (c.ClientId, c.Role, c.Connected, c.JoinedAtMs, Encoding.UTF8.GetString(c.Meta.Span))),
            c => Assert.Equal(("p2", ClientRole.Player, false, Now + 2), (c.ClientId, c.Role, c.Connected, c.JoinedAtMs)),
            c => Assert.Equal(("a1", ClientRole.Audience, true, Now + 4), (c.ClientId, c.Role, c.Connected, c.JoinedAtMs)));

        var second = await _store.ClaimHostAsync(code, "h2", "node-2", Now + 7);
        Assert.Equal("h1", second.PreviousConnectionId);
        Assert.Equal("node-1", second.PreviousNodeId);
        var members = (await redis.Db.SortedSetRangeByRankAsync($"room:clients:{code}")).Select(m => (string)m!).ToList();
        Assert.Contains("h2", members);
        Assert.DoesNotContain("h1", members);
        Assert.True((await _store.GetRoomInfoAsync(code))!.HostConnected);
        Assert.Equal("node-2", (string?)await redis.Db.HashGetAsync($"room:state:{code}", "hostNodeId"));
    }

    [Fact]
    public async Task Releasing_the_host_only_clears_it_for_the_current_host_connection()
    {
        var code = await NewRoomAsync();
        Assert.Equal(ConnectionEndOutcome.NotFound, await _store.ReleaseHostAsync(code, "h1", Now));
        await _store.ClaimHostAsync(code, "h1", "node-1", Now);
        await _store.ClaimHostAsync(code, "h2", "node-1", Now);

        Assert.Equal(ConnectionEndOutcome.NotCurrent, await _store.ReleaseHostAsync(code, "h1", Now));
        Assert.True((await _store.GetRoomInfoAsync(code))!.HostConnected);
        Assert.Equal(ConnectionEndOutcome.Done, await _store.ReleaseHostAsync(code, "h2", Now + 9));
        var info = await _store.GetRoomInfoAsync(code);
        Assert.False(info!.HostConnected);
        Assert.Equal(Now + 9, info.LastActivityMs);
        Assert.Equal("", (string?)await redis.Db.HashGetAsync($"room:state:{code}", "hostNodeId"));
        Assert.Equal(ConnectionEndOutcome.NotFound, await _store.ReleaseHostAsync(code, "h2", Now));
    }

    [Fact]
    public async Task Player_disconnect_and_leave_are_compare_and_set_on_the_connection()
    {
        var code = await NewRoomAsync(maxPlayers: 1);
        await _store.JoinPlayerAsync(code, Seat("p1", "c1"));
        await _store.ReclaimSeatAsync(code, new SeatReclaim("p1", Hash("tok"), "c2", "node-2", default, Now));

        Assert.Equal(ConnectionEndOutcome.NotCurrent, await _store.DisconnectPlayerAsync(code, "p1", "c1", Now));
        Assert.Equal(ConnectionEndOutcome.NotCurrent, await _store.LeavePlayerAsync(code, "p1", "c1", Now));
        Assert.Equal(ConnectionEndOutcome.NotFound, await _store.DisconnectPlayerAsync(code, "nobody", "c1", Now));
        Assert.Equal(ConnectionEndOutcome.Done, await _store.DisconnectPlayerAsync(code, "p1", "c2", Now));
        Assert.Equal("", (string?)await redis.Db.HashGetAsync($"room:client:{code}:p1", "socketId"));

        // Seat still held: capacity still used.
        Assert.Equal(JoinOutcome.RoomFull, (await _store.JoinPlayerAsync(code, Seat("p2", "c3"))).Outcome);

        await _store.ReclaimSeatAsync(code, new SeatReclaim("p1", Hash("tok"), "c4", "node-1", default, Now));
        await _store.SetPlayerStateAsync(code, "p1", Utf8("{}"), Now);
        Assert.Equal(ConnectionEndOutcome.Done, await _store.LeavePlayerAsync(code, "p1", "c4", Now));
        Assert.Equal(ConnectionEndOutcome.NotFound, await _store.LeavePlayerAsync(code, "p1", "c4", Now));
        Assert.False(await redis.Db.KeyExistsAsync($"room:client:{code}:p1"));
        Assert.False(await redis.Db.KeyExistsAsync($"room:playerstate:{code}:p1"));
        Assert.Equal(0, (await _store.GetRoomInfoAsync(code))!.PlayerCount);
        Assert.Equal(JoinOutcome.Joined, (await _store.JoinPlayerAsync(code, Seat("p2", "c3"))).Outcome);
    }

    [Fact]
    public async Task Reclaiming_a_seat_checks_the_token_and_returns_what_the_player_had()
    {
        var code = await NewRoomAsync();
        await _store.JoinPlayerAsync(code, Seat("p1", "c1", token: "secret", meta: "{\"name\":\"A\"}", now: Now));
        await _store.SetPlayerStateAsync(code, "p1", Utf8("{\"hand\":[1]}"), Now);
        await _store.SetPlayerStateAsync(code, "p1", Utf8("{\"hand\":[1,2]}"), Now);
        await _store.SetGameStateAsync(code, Utf8("{\"g\":2}"), Now);

        Assert.Equal(JoinOutcome.SeatNotFound, (await _store.ReclaimSeatAsync(code, new SeatReclaim("p9", Hash("secret"), "c2", "n", default, Now))).Outcome);
        Assert.Equal(JoinOutcome.InvalidSeatToken, (await _store.ReclaimSeatAsync(code, new SeatReclaim("p1", Hash("wrong"), "c2", "n", default, Now))).Outcome);
        Assert.Equal(JoinOutcome.InvalidSeatToken, (await _store.ReclaimSeatAsync(code, new SeatReclaim("p1", default, "c2", "n", default, Now))).Outcome);

        var r = await _store.ReclaimSeatAsync(code, new SeatReclaim("p1", Hash("secret"), "c2", "node-2", default, Now + 50));
        Assert.Equal(JoinOutcome.Joined, r.Outcome);
        Assert.Equal("c1", r.PreviousConnectionId);
        Assert.Equal("node-1", r.PreviousNodeId);
        Assert.Equal(Now, r.JoinedAtMs);
        Assert.Equal("{\"name\":\"A\"}", Encoding.UTF8.GetString(r.Meta.Span));
        Assert.Equal("{\"hand\":[1,2]}", Encoding.UTF8.GetString(r.PlayerState.Span));
        Assert.Equal(2, r.PlayerStateRev);
        Assert.Equal("{\"g\":2}", Encoding.UTF8.GetString(r.GameState.Span));
        Assert.Equal(1, r.GameStateRev);
        Assert.False(r.HostConnected);

        await _store.DisconnectPlayerAsync(code, "p1", "c2", Now);
        var again = await _store.ReclaimSeatAsync(code, new SeatReclaim("p1", Hash("secret"), "c3", "node-3", Utf8("{\"name\":\"B\"}"), Now + 60));
        Assert.Null(again.PreviousConnectionId);
        Assert.Null(again.PreviousNodeId);
        Assert.Equal("{\"name\":\"B\"}", Encoding.UTF8.GetString(again.Meta.Span));
        Assert.Equal(Now, again.JoinedAtMs);

        // Only the hash of the token is stored.
        Assert.Equal(Convert.ToHexStringLower(Hash("secret")), (string?)await redis.Db.HashGetAsync($"room:client:{code}:p1", "seatTokenHash"));
    }

    [Fact]
    public async Task Player_state_writes_raise_the_seat_revision_and_name_the_current_connection()
    {
        var code = await NewRoomAsync();
        Assert.Equal(StateWriteOutcome.PlayerNotFound, (await _store.SetPlayerStateAsync(code, "p1", Utf8("{}"), Now)).Outcome);
        await _store.JoinPlayerAsync(code, Seat("p1", "c1"));

        Assert.Equal(new StateWriteResult(StateWriteOutcome.Written, 1, "c1"), await _store.SetPlayerStateAsync(code, "p1", Utf8("{\"a\":1}"), Now));
        await _store.DisconnectPlayerAsync(code, "p1", "c1", Now);
        Assert.Equal(new StateWriteResult(StateWriteOutcome.Written, 2, null), await _store.SetPlayerStateAsync(code, "p1", Utf8("{\"a\":2}"), Now + 3));
        Assert.Equal("{\"a\":2}", (string?)await redis.Db.StringGetAsync($"room:playerstate:{code}:p1"));
        Assert.Equal("2", (string?)await redis.Db.HashGetAsync($"room:client:{code}:p1", "playerStateRev"));
        Assert.Equal(Now + 3, (await _store.GetRoomInfoAsync(code))!.LastActivityMs);

        // An audience member is not a seat.
        await _store.JoinAudienceAsync(code, new AudienceJoin("a1", "n", Utf8("{}"), Now));
        Assert.Equal(StateWriteOutcome.PlayerNotFound, (await _store.SetPlayerStateAsync(code, "a1", Utf8("{}"), Now)).Outcome);
    }

    [Fact]
    public async Task Audience_joins_respect_capacity_and_see_the_active_polls_in_start_order()
    {
        var code = await NewRoomAsync(maxAudience: 2);
        await _store.StartPollAsync(code, Poll("p-b", PollType.MultipleChoice, "Colours?", ["Red", "Blue \"x\""]), Now + 1);
        await _store.StartPollAsync(code, Poll("p-a", PollType.FreeText, "Why?", []), Now + 2);
        await _store.StartPollAsync(code, Poll("p-c"), Now + 3);
        await _store.EndPollAsync(code, "p-c", Now + 4);
        await _store.ClaimHostAsync(code, "h", "n", Now);

        var a1 = await _store.JoinAudienceAsync(code, new AudienceJoin("a1", "node-1", Utf8("{}"), Now + 10));
        Assert.Equal(JoinOutcome.Joined, a1.Outcome);
        Assert.True(a1.HostConnected);
        Assert.Equal(Now + 10, a1.JoinedAtMs);
        Assert.Collection(a1.ActivePolls,
            p => Assert.Equal(("p-b", PollType.MultipleChoice, "Colours?", "Red|Blue \"x\"", true, Now + 1), (p.PollId, p.Type, p.Question, string.Join('|', p.Options), p.Active, p.StartedAtMs)),
            p => Assert.Equal(("p-a", PollType.FreeText, 0), (p.PollId, p.Type, p.Options.Count)));
        Assert.Equal(JoinOutcome.Joined, (await _store.JoinAudienceAsync(code, new AudienceJoin("a2", "node-1", Utf8("{}"), Now))).Outcome);
        Assert.Equal(JoinOutcome.RoomFull, (await _store.JoinAudienceAsync(code, new AudienceJoin("a3", "node-1", Utf8("{}"), Now))).Outcome);

        Assert.Equal(ConnectionEndOutcome.Done, await _store.RemoveAudienceAsync(code, "a1", Now));
        Assert.Equal(ConnectionEndOutcome.NotFound, await _store.RemoveAudienceAsync(code, "a1", Now));
        Assert.Equal(ConnectionEndOutcome.NotFound, await _store.RemoveAudienceAsync(code, "h", Now));
        Assert.False(await redis.Db.KeyExistsAsync($"room:client:{code}:a1"));
        Assert.Equal(1, (await _store.GetRoomInfoAsync(code))!.AudienceCount);
        Assert.Equal(JoinOutcome.Joined, (await _store.JoinAudienceAsync(code, new AudienceJoin("a3", "node-1", Utf8("{}"), Now))).Outcome);
    }

    [Fact]
    public async Task Poll_answers_are_recorded_only_while_the_poll_is_active_and_the_last_answer_wins()
    {
        var code = await NewRoomAsync();
        Assert.Null(await _store.GetPollAsync(code, "q"));
        Assert.Equal(PollOutcome.PollNotFound, await _store.RecordPollResponseAsync(code, "q", "a1", Utf8("\"option_0\""), Now));
        Assert.Equal(PollOutcome.PollNotFound, await _store.EndPollAsync(code, "q", Now));

        Assert.Equal(PollStartOutcome.Started, await _store.StartPollAsync(code, Poll("q", PollType.SingleChoice, "Pick", ["A", "B"]), Now));
        Assert.Equal(PollStartOutcome.PollExists, await _store.StartPollAsync(code, Poll("q"), Now));
        Assert.Equal(PollOutcome.Ok, await _store.RecordPollResponseAsync(code, "q", "a1", Utf8("\"option_0\""), Now));
        Assert.Equal(PollOutcome.Ok, await _store.RecordPollResponseAsync(code, "q", "a1", Utf8("\"option_1\""), Now));
        Assert.Equal(PollOutcome.Ok, await _store.RecordPollResponseAsync(code, "q", "a2", Utf8("\"option_1\""), Now + 7));
        Assert.Equal(Now + 7, (await _store.GetRoomInfoAsync(code))!.LastActivityMs);

        Assert.Equal(PollOutcome.Ok, await _store.EndPollAsync(code, "q", Now + 8));
        Assert.Equal(PollOutcome.PollNotActive, await _store.EndPollAsync(code, "q", Now + 9));
        Assert.Equal(PollOutcome.PollNotActive, await _store.RecordPollResponseAsync(code, "q", "a3", Utf8("\"option_0\""), Now));
        Assert.Equal(PollStartOutcome.PollExists, await _store.StartPollAsync(code, Poll("q"), Now));

        var snapshot = await _store.GetPollResponsesAsync(code, "q");
        Assert.NotNull(snapshot);
        Assert.False(snapshot.Poll.Active);
        Assert.Equal(["A", "B"], snapshot.Poll.Options);
        Assert.Equal(["\"option_1\"", "\"option_1\""], snapshot.Responses.Select(r => Encoding.UTF8.GetString(r.Span)).Order());
        var config = (await redis.Db.HashGetAllAsync($"room:poll:config:{code}:q")).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal(("single_choice", "Pick", "[\"A\",\"B\"]", "false", Now.ToString(System.Globalization.CultureInfo.InvariantCulture), (Now + 8).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (config["type"], config["question"], config["options"], config["active"], config["startedAt"], config["endedAt"]));
        Assert.Null(await _store.GetPollResponsesAsync(code, "other"));
    }

    [Fact]
    public async Task The_to_host_queue_is_bounded_and_drained_oldest_first()
    {
        var code = await NewRoomAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(EnqueueOutcome.Queued, await _store.EnqueueToHostAsync(code, Utf8($"{{\"i\":{i}}}"), 5, Now + i));
        }

        Assert.Equal(EnqueueOutcome.QueueFull, await _store.EnqueueToHostAsync(code, Utf8("{\"i\":5}"), 5, Now));
        Assert.Equal(5, await redis.Db.ListLengthAsync($"room:queue:tohost:{code}"));
        Assert.Equal("{\"i\":4}", (string?)await redis.Db.ListGetByIndexAsync($"room:queue:tohost:{code}", 0)); // LPUSH: newest at the head

        await _store.ClaimHostAsync(code, "h1", "node-1", Now);
        var first = await _store.PeekToHostAsync(code, 3, int.MaxValue);
        Assert.Equal(3, await _store.AckToHostAsync(code, "h1", 3));
        Assert.Equal(["{\"i\":0}", "{\"i\":1}", "{\"i\":2}"], first.Select(e => Encoding.UTF8.GetString(e.Span)));
        Assert.Equal(EnqueueOutcome.Queued, await _store.EnqueueToHostAsync(code, Utf8("{\"i\":5}"), 5, Now));
        var rest = await _store.PeekToHostAsync(code, 100, int.MaxValue);
        Assert.Equal(3, await _store.AckToHostAsync(code, "h1", 100));
        Assert.Equal(["{\"i\":3}", "{\"i\":4}", "{\"i\":5}"], rest.Select(e => Encoding.UTF8.GetString(e.Span)));
        Assert.Empty(await _store.PeekToHostAsync(code, 100, int.MaxValue));
        Assert.Empty(await _store.PeekToHostAsync(code, 0, int.MaxValue));
    }

    [Fact]
    public async Task Touching_activity_only_moves_it_forward_and_never_creates_a_room()
    {
        var code = await NewRoomAsync();
        _store.TouchActivity(code, Now + 100);
        _store.TouchActivity(code, Now + 50);
        var missing = RedisTestServer.NewCode();
        _store.TouchActivity(missing, Now);

        // Fire-and-forget: the next awaited call on the same connection is ordered after them.
        var info = await _store.GetRoomInfoAsync(code);
        Assert.Equal(Now + 100, info!.LastActivityMs);
        Assert.Empty(redis.KeysOf(missing));
    }

    [Fact]
    public async Task A_flushed_script_cache_is_refilled_on_the_next_call()
    {
        var code = await NewRoomAsync();
        await redis.AdminServer.ScriptFlushAsync();
        var before = _store.NoScriptFallbackCount;

        Assert.Equal(1, (await _store.SetGameStateAsync(code, Utf8("{}"), Now)).Rev);
        Assert.Equal(2, (await _store.SetGameStateAsync(code, Utf8("{}"), Now)).Rev);
        Assert.Equal(before + 1, _store.NoScriptFallbackCount);
    }

    [Fact]
    public async Task A_duplicate_seat_id_is_a_caller_error_and_changes_nothing()
    {
        var code = await NewRoomAsync();
        await _store.JoinPlayerAsync(code, Seat("p1", "c1"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _store.JoinPlayerAsync(code, Seat("p1", "c2")).AsTask());
        Assert.Equal(1, (await _store.GetRoomInfoAsync(code))!.PlayerCount);
        Assert.Equal("c1", (string?)await redis.Db.HashGetAsync($"room:client:{code}:p1", "socketId"));
    }

    [Fact]
    public async Task Listing_rooms_finds_every_room_with_its_last_activity()
    {
        var a = await NewRoomAsync();
        var b = await NewRoomAsync();
        var never = await NewRoomAsync();
        await _store.SetGameStateAsync(a, Utf8("{}"), Now);
        await _store.SetGameStateAsync(b, Utf8("{}"), Now + 42);
        var rooms = await _store.ListRoomsAsync();

        Assert.Contains(new RoomActivity(a, Now), rooms);
        Assert.Contains(new RoomActivity(b, Now + 42), rooms);
        Assert.DoesNotContain(rooms, r => r.Code == never);
        await _store.DeleteRoomAsync(a);
        Assert.DoesNotContain(await _store.ListRoomsAsync(), r => r.Code == a);
    }

    [Fact]
    public void The_options_never_print_the_password()
    {
        var options = new RedisStoreOptions { Password = "p@ss-word-123", User = "cndr" };
        Assert.DoesNotContain("p@ss-word-123", options.ToString(), StringComparison.Ordinal);
    }

    private static PollDefinition Poll(string id, PollType type = PollType.SingleChoice, string question = "Q?", string[]? options = null) =>
        new(id, type, question, options ?? ["Yes", "No"], true, 0);

    [Fact]
    public async Task A_dead_nodes_release_visits_the_rooms_of_its_nodes_rooms_set_only_and_the_set_goes_with_the_node()
    {
        var node = "node-" + Guid.NewGuid().ToString("N");
        var (listed, unlisted) = (RedisTestServer.NewCode(), RedisTestServer.NewCode());
        foreach (var code in new[] { listed, unlisted })
        {
            await _store.CreateRoomAsync(code, Config(), Now);
            await _store.ClaimHostAsync(code, "host-" + code, node, Now);
        }

        var set = "nodes:rooms:" + node;
        Assert.Equal(new[] { listed.ToString(), unlisted.ToString() }.Order(), (await redis.Db.SetMembersAsync(set)).Select(v => (string)v!).Order());

        // A room missing from the set is not visited (no SCAN of every room): its host stays.
        await redis.Db.SetRemoveAsync(set, unlisted.ToString());
        var released = await _store.ReleaseNodeAsync(node, Now);
        Assert.Equal([(listed, "host-" + listed)], released.Select(r => (r.Code, r.HostConnectionId)));
        Assert.Equal("host-" + unlisted, (string?)await redis.Db.HashGetAsync($"room:state:{unlisted}", "hostClientId"));

        await new RedisNodeRegistry(redis.Connection.Multiplexer).RemoveAsync(node);
        Assert.False(await redis.Db.KeyExistsAsync(set));
    }
}
