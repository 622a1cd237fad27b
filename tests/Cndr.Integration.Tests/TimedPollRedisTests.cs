using System.Text.Json.Nodes;
using Cndr.Integration.Tests.Infrastructure;
using Cndr.Testing;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// Timed polls, live tallies and the room's audience budget (PROTOCOL §9), on the embedded store and on a real
/// redis-server, with the official socket.io-client; and a timed poll that ends on time after its host moved to
/// another node.
/// </summary>
public sealed class TimedPollRedisTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private JsClients _js = null!;
    private readonly List<TestNode> _nodes = [];

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _js = JsClients.Start();
    }

    public async Task DisposeAsync()
    {
        await _js.DisposeAsync();
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    private async Task<TestNode> NodeAsync(string store, Action<Cndr.Host.Configuration.CndrSettings>? configure = null)
    {
        var node = await TestNode.StartAsync(store == "redis" ? _redis : null, configure);
        _nodes.Add(node);
        return node;
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("redis")]
    public async Task TimedPollEndsByItselfAndTheHostGetsItsResults(string store)
    {
        var node = await NodeAsync(store);
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("host", node.Url, code, key);
        await _js.AudienceAsync("a1", node.Url, code);
        await _js.AudienceAsync("a2", node.Url, code);

        AssertError("INVALID_PAYLOAD", await _js.EmitAsync("host", "poll_start", new { pollId = "bad", type = "single_choice", question = "?", options = new[] { "x", "y" }, durationMs = -5 }));
        AssertError("INVALID_PAYLOAD", await _js.EmitAsync("host", "poll_start", new { pollId = "bad", type = "single_choice", question = "?", options = new[] { "x", "y" }, durationMs = "soon" }));

        AssertOk(await _js.EmitAsync("host", "poll_start", new { pollId = "quick", type = "single_choice", question = "Now?", options = new[] { "yes", "no" }, durationMs = 1000 }));
        var started = await _js.NextAsync("a1", "poll_started");
        Assert.True(Num(started, "endsAt") > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 5000, started!.ToJsonString());
        AssertOk(await _js.EmitAsync("a1", "poll_response", new { pollId = "quick", response = "option_0" }));

        // Nobody calls poll_end: the poll ends on time, the audience hears it and the host gets the final results.
        var ended = await _js.NextAsync("a2", "poll_ended", 8000);
        Assert.Equal("quick", Str(ended, "pollId"));
        var results = await _js.NextAsync("host", "poll_results", 5000);
        Assert.False(results!["active"]!.GetValue<bool>());
        Assert.Equal(1, Num(results["results"], "option_0"));
        Assert.Equal(1, Num(results["results"], "totalResponses"));
        AssertError("POLL_NOT_ACTIVE", await _js.EmitAsync("a2", "poll_response", new { pollId = "quick", response = "option_1" }));
        AssertError("POLL_NOT_ACTIVE", await _js.EmitAsync("host", "poll_end", new { pollId = "quick" }));
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("redis")]
    public async Task LiveResultsReachOnlyTheHostCoalescedWhileAnswersArrive(string store)
    {
        var node = await NodeAsync(store);
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("host", node.Url, code, key);
        await _js.PlayerAsync("p1", node.Url, code);
        for (var i = 0; i < 3; i++)
        {
            await _js.AudienceAsync($"a{i}", node.Url, code);
        }

        AssertOk(await _js.EmitAsync("host", "poll_start", new { pollId = "live", type = "single_choice", question = "Best?", options = new[] { "x", "y" }, liveResults = true }));
        for (var i = 0; i < 3; i++)
        {
            AssertOk(await _js.EmitAsync($"a{i}", "poll_response", new { pollId = "live", response = i == 0 ? "option_0" : "option_1" }));
        }

        // Tallies arrive until they show all three answers; each one differs from the one before (coalesced: the
        // three answers never produce more than three tallies, and nothing is sent while nothing changes).
        var tallies = new List<JsonNode>();
        do
        {
            tallies.Add((await _js.NextAsync("host", "poll_tally", 5000))!);
        }
        while (Num(tallies[^1]["results"], "totalResponses") < 3);
        Assert.InRange(tallies.Count, 1, 3);
        Assert.Equal(1, Num(tallies[^1]["results"], "option_0"));
        Assert.Equal(2, Num(tallies[^1]["results"], "option_1"));
        Assert.True(tallies[^1]["active"]!.GetValue<bool>());
        await _js.NoneAsync("host", "poll_tally", 700);

        foreach (var who in new[] { "p1", "a0", "a1", "a2" })
        {
            await _js.NoneAsync(who, "poll_tally", 50);
        }

        AssertOk(await _js.EmitAsync("host", "poll_end", new { pollId = "live" }));
        AssertOk(await _js.EmitAsync("host", "poll_start", new { pollId = "quiet", type = "free_text", question = "Words?" }));
        AssertOk(await _js.EmitAsync("a0", "poll_response", new { pollId = "quiet", response = "hello" }));
        await _js.NoneAsync("host", "poll_tally", 700); // no liveResults: no tallies
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("redis")]
    public async Task AudienceBudgetCapsMessagesToTheHostPerRoom(string store)
    {
        var node = await NodeAsync(store, s => { s.AudienceMessageBudget = 3; s.AudienceMessageWindowMs = 60_000; });
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("host", node.Url, code, key);
        await _js.PlayerAsync("p1", node.Url, code);
        await _js.AudienceAsync("a1", node.Url, code);
        await _js.AudienceAsync("a2", node.Url, code);

        AssertOk(await _js.EmitAsync("a1", "message_to_host", new { message = 1 }));
        AssertOk(await _js.EmitAsync("a2", "message_to_host", new { message = 2 }));
        AssertOk(await _js.EmitAsync("a1", "message_to_host", new { message = 3 }));
        var refused = await _js.EmitAsync("a2", "message_to_host", new { message = 4 });
        AssertError("RATE_LIMITED", refused);
        Assert.InRange(refused!["error"]!["retryAfterMs"]!.GetValue<long>(), 1, 60_000);

        // Players have no room budget; the audience's poll answers are not messages to the host.
        AssertOk(await _js.EmitAsync("p1", "message_to_host", new { message = "still here" }));
        var delivered = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            delivered.Add((await _js.NextAsync("host", "client_message"))!["message"]!.ToJsonString());
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
        await _js.HostAsync("host", a.Url, code, key);
        await _js.AudienceAsync("aud", b.Url, code);
        AssertOk(await _js.EmitAsync("host", "poll_start", new { pollId = "moved", type = "single_choice", question = "?", options = new[] { "x", "y" }, durationMs = 3000 }));
        await _js.NextAsync("aud", "poll_started");

        // The host moves to node B, and node A (where the poll started) goes away before the deadline.
        await _js.DisconnectAsync("host");
        await _js.HostAsync("host2", b.Url, code, key);
        _nodes.Remove(a);
        await a.DisposeAsync();

        Assert.Equal("moved", Str(await _js.NextAsync("aud", "poll_ended", 10_000), "pollId"));
        Assert.False((await _js.NextAsync("host2", "poll_results", 5000))!["active"]!.GetValue<bool>());
        await _js.NoneAsync("aud", "poll_ended", 500); // announced once
    }
}
