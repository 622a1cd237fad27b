using System.Text.Json.Nodes;
using Cndr.Integration.Tests.Infrastructure;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// Timed polls, live tallies and the room's audience budget (PROTOCOL §9), on the embedded store and on a real
/// redis-server, with the official socket.io-client; and a timed poll that ends on time after its host moved to
/// another node.
/// </summary>
public sealed class TimedPollRedisTests : NodesOnRedisTestBase
{
    [Theory]
    [InlineData("embedded")]
    [InlineData("redis")]
    public async Task TimedPollEndsByItselfAndTheHostGetsItsResults(string store)
    {
        var node = await NodeAsync(store);
        var (code, key) = await node.CreateRoomAsync();
        await Js.HostAsync("host", node.Url, code, key);
        await Js.AudienceAsync("a1", node.Url, code);
        await Js.AudienceAsync("a2", node.Url, code);

        AssertError("INVALID_PAYLOAD", await Js.EmitAsync("host", "poll_start", new { pollId = "bad", type = "single_choice", question = "?", options = new[] { "x", "y" }, durationMs = -5 }));
        AssertError("INVALID_PAYLOAD", await Js.EmitAsync("host", "poll_start", new { pollId = "bad", type = "single_choice", question = "?", options = new[] { "x", "y" }, durationMs = "soon" }));

        AssertOk(await Js.EmitAsync("host", "poll_start", new { pollId = "quick", type = "single_choice", question = "Now?", options = new[] { "yes", "no" }, durationMs = 1000 }));
        var started = await Js.NextAsync("a1", "poll_started");
        Assert.True(Num(started, "endsAt") > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 5000, started!.ToJsonString());
        AssertOk(await Js.EmitAsync("a1", "poll_response", new { pollId = "quick", response = "option_0" }));

        // Nobody calls poll_end: the poll ends on time, the audience hears it and the host gets the final results.
        var ended = await Js.NextAsync("a2", "poll_ended", 8000);
        Assert.Equal("quick", Str(ended, "pollId"));
        var results = await Js.NextAsync("host", "poll_results", 5000);
        Assert.False(results!["active"]!.GetValue<bool>());
        Assert.Equal(1, Num(results["results"], "option_0"));
        Assert.Equal(1, Num(results["results"], "totalResponses"));
        AssertError("POLL_NOT_ACTIVE", await Js.EmitAsync("a2", "poll_response", new { pollId = "quick", response = "option_1" }));
        AssertError("POLL_NOT_ACTIVE", await Js.EmitAsync("host", "poll_end", new { pollId = "quick" }));
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("redis")]
    public async Task LiveResultsReachOnlyTheHostCoalescedWhileAnswersArrive(string store)
    {
        var node = await NodeAsync(store);
        var (code, key) = await node.CreateRoomAsync();
        await Js.HostAsync("host", node.Url, code, key);
        await Js.PlayerAsync("p1", node.Url, code);
        for (var i = 0; i < 3; i++)
        {
            await Js.AudienceAsync($"a{i}", node.Url, code);
        }

        AssertOk(await Js.EmitAsync("host", "poll_start", new { pollId = "live", type = "single_choice", question = "Best?", options = new[] { "x", "y" }, liveResults = true }));
        for (var i = 0; i < 3; i++)
        {
            AssertOk(await Js.EmitAsync($"a{i}", "poll_response", new { pollId = "live", response = i == 0 ? "option_0" : "option_1" }));
        }

        // Tallies arrive until they show all three answers; each one differs from the one before (coalesced: the
        // three answers never produce more than three tallies, and nothing is sent while nothing changes).
        var tallies = new List<JsonNode>();
        do
        {
            tallies.Add((await Js.NextAsync("host", "poll_tally", 5000))!);
        }
        while (Num(tallies[^1]["results"], "totalResponses") < 3);
        Assert.InRange(tallies.Count, 1, 3);
        Assert.Equal(1, Num(tallies[^1]["results"], "option_0"));
        Assert.Equal(2, Num(tallies[^1]["results"], "option_1"));
        Assert.True(tallies[^1]["active"]!.GetValue<bool>());
        await Js.NoneAsync("host", "poll_tally", 700);

        foreach (var who in new[] { "p1", "a0", "a1", "a2" })
        {
            await Js.NoneAsync(who, "poll_tally", 50);
        }

        AssertOk(await Js.EmitAsync("host", "poll_end", new { pollId = "live" }));
        AssertOk(await Js.EmitAsync("host", "poll_start", new { pollId = "quiet", type = "free_text", question = "Words?" }));
        AssertOk(await Js.EmitAsync("a0", "poll_response", new { pollId = "quiet", response = "hello" }));
        await Js.NoneAsync("host", "poll_tally", 700); // no liveResults: no tallies
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("redis")]
    public async Task AudienceBudgetCapsMessagesToTheHostPerRoom(string store)
    {
        var node = await NodeAsync(store, s => { s.AudienceMessageBudget = 3; s.AudienceMessageWindowMs = 60_000; });
        var (code, key) = await node.CreateRoomAsync();
        await Js.HostAsync("host", node.Url, code, key);
        await Js.PlayerAsync("p1", node.Url, code);
        await Js.AudienceAsync("a1", node.Url, code);
        await Js.AudienceAsync("a2", node.Url, code);

        AssertOk(await Js.EmitAsync("a1", "message_to_host", new { message = 1 }));
        AssertOk(await Js.EmitAsync("a2", "message_to_host", new { message = 2 }));
        AssertOk(await Js.EmitAsync("a1", "message_to_host", new { message = 3 }));
        var refused = await Js.EmitAsync("a2", "message_to_host", new { message = 4 });
        AssertError("RATE_LIMITED", refused);
        Assert.InRange(refused!["error"]!["retryAfterMs"]!.GetValue<long>(), 1, 60_000);

        // Players have no room budget; the audience's poll answers are not messages to the host.
        AssertOk(await Js.EmitAsync("p1", "message_to_host", new { message = "still here" }));
        var delivered = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            delivered.Add((await Js.NextAsync("host", "client_message"))!["message"]!.ToJsonString());
        }

        Assert.Equal(["1", "2", "3", "\"still here\""], delivered);
        var metrics = await (await TestNode.GetAsync(node.Url + "/metrics")).Content.ReadAsStringAsync();
        Assert.Contains("cndr_audience_budget_refused_total 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimedPollEndsOnTimeAfterItsHostMovedToAnotherNode()
    {
        var a = await NodeAsync("redis", s => s.NodeId = "node-a");
        var b = await NodeAsync("redis", s => s.NodeId = "node-b");
        var (code, key) = await a.CreateRoomAsync();
        await Js.HostAsync("host", a.Url, code, key);
        await Js.AudienceAsync("aud", b.Url, code);
        AssertOk(await Js.EmitAsync("host", "poll_start", new { pollId = "moved", type = "single_choice", question = "?", options = new[] { "x", "y" }, durationMs = 3000 }));
        await Js.NextAsync("aud", "poll_started");

        // The host moves to node B, and node A (where the poll started) goes away before the deadline.
        await Js.DisconnectAsync("host");
        await Js.HostAsync("host2", b.Url, code, key);
        await StopNodeAsync(a);

        Assert.Equal("moved", Str(await Js.NextAsync("aud", "poll_ended", 10_000), "pollId"));
        Assert.False((await Js.NextAsync("host2", "poll_results", 5000))!["active"]!.GetValue<bool>());
        await Js.NoneAsync("aud", "poll_ended", 500); // announced once
    }
}
