using System.Text.Json;
using Cndr.Core.Tests.Infrastructure;

namespace Cndr.Core.Tests;

/// <summary>The host's bounded replies (PROTOCOL §8.23) through the relay on the embedded store: handshake, list_clients, paged free-text results.</summary>
public sealed class BoundedReplyTests : IDisposable
{
    private readonly RelayFixture _f = new(o =>
    {
        o.HandshakeAudienceLimit = 3;
        o.PollResultsTop = 4;
        o.RateLimitMessages = 1000;
    });

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task TheHostHandshakeListsEveryPlayerAndTheFirstAudienceAndListClientsGivesTheRest()
    {
        await _f.CreateRoomAsync();
        var (_, p1, _) = await _f.PlayerAsync();
        var audience = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            // One join per millisecond (the store contract covers joins in the same millisecond).
            _f.Time.Advance(TimeSpan.FromMilliseconds(1));
            audience.Add((await _f.AudienceAsync()).Id);
        }

        _f.Time.Advance(TimeSpan.FromMilliseconds(1));
        var (_, p2, _) = await _f.PlayerAsync();
        var (host, hello) = await _f.HandshakeAsync("""{"roomCode":"ABC123","role":"host","hostKey":"host-key-1"}""");
        var clients = hello.GetProperty("clients").EnumerateArray().ToList();
        Assert.Equal([p1, .. audience.Take(3), p2], clients.Select(c => c.GetProperty("clientId").GetString()));
        Assert.Equal((2, 8), (hello.GetProperty("playerCount").GetInt32(), hello.GetProperty("audienceCount").GetInt32()));
        Assert.False(hello.GetProperty("clientsComplete").GetBoolean());
        var cursor = hello.GetProperty("audienceCursor").GetString();

        var rest = new List<string?>();
        for (var n = 0; cursor is not null && n < 10; n++)
        {
            var page = await _f.EmitAsync(host, "list_clients", $$"""{"role":"audience","cursor":"{{cursor}}","limit":2}""");
            JsonAssert.IsOk(page);
            Assert.InRange(page.GetProperty("clients").GetArrayLength(), 1, 2);
            rest.AddRange(page.GetProperty("clients").EnumerateArray().Select(c => c.GetProperty("clientId").GetString()));
            cursor = page.GetProperty("nextCursor").GetString();
        }

        Assert.Equal(audience.Skip(3), rest);

        // Without an ack the page is the client_list event; a limit beyond 500 is clamped, players only on request.
        await _f.EmitAsync(host, "list_clients", """{"role":"player","limit":100000}""", ack: false);
        var players = host.Single("client_list").Arg;
        Assert.Equal([p1, p2], players.GetProperty("clients").EnumerateArray().Select(c => c.GetProperty("clientId").GetString()));
        Assert.Equal(JsonValueKind.Null, players.GetProperty("nextCursor").ValueKind);
        Assert.Equal(8, players.GetProperty("audienceCount").GetInt32());
    }

    [Theory]
    [InlineData("""{"role":"host"}""")]
    [InlineData("""{"role":7}""")]
    [InlineData("""{"cursor":"not-a-cursor"}""")]
    [InlineData("""{"cursor":5}""")]
    [InlineData("""{"limit":1.5}""")]
    [InlineData("""{"limit":"ten"}""")]
    [InlineData("[]")]
    public async Task ListClientsRefusesIllTypedPagingFields(string payload)
    {
        await _f.CreateRoomAsync();
        var host = await _f.HostAsync();
        JsonAssert.IsError(await _f.EmitAsync(host, "list_clients", payload), "INVALID_PAYLOAD");
    }

    [Fact]
    public async Task OnlyTheHostMayListClients()
    {
        await _f.CreateRoomAsync();
        await _f.HostAsync();
        var (player, _, _) = await _f.PlayerAsync();
        var viewer = await _f.AudienceAsync();
        JsonAssert.IsError(await _f.EmitAsync(player, "list_clients", "{}"), "FORBIDDEN");
        JsonAssert.IsError(await _f.EmitAsync(viewer, "list_clients", null), "FORBIDDEN");
        JsonAssert.IsError(await _f.EmitAsync(viewer, "poll_results_request", """{"pollId":"x"}"""), "FORBIDDEN");
    }

    [Fact]
    public async Task FreeTextResultsGiveTheTopAnswersWithTotalsAndPageTheRest()
    {
        await _f.CreateRoomAsync();
        var host = await _f.HostAsync();
        var audience = new List<FakeConnection>();
        for (var i = 0; i < 10; i++)
        {
            audience.Add(await _f.AudienceAsync());
        }

        JsonAssert.IsOk(await _f.EmitAsync(host, "poll_start", """{"pollId":"w","type":"free_text","question":"Word?"}"""));

        // "c" × 3, "a" × 2, "b" × 2, then five answers given once.
        string[] answers = ["c", "c", "c", "a", "b", "b", "a", "z", "y", "x"];
        for (var i = 0; i < answers.Length; i++)
        {
            JsonAssert.IsOk(await _f.EmitAsync(audience[i], "poll_response", $$"""{"pollId":"w","response":"{{answers[i]}}"}"""));
        }

        var first = (await _f.EmitAsync(host, "poll_results_request", """{"pollId":"w"}""")).GetProperty("results");
        Assert.Equal("""{"c":3,"a":2,"b":2,"x":1}""", first.GetProperty("responses").GetRawText());
        Assert.Equal((10, 6), (first.GetProperty("totalResponses").GetInt32(), first.GetProperty("distinctResponses").GetInt32()));
        var cursor = first.GetProperty("nextCursor").GetString();
        Assert.NotNull(cursor);

        var second = (await _f.EmitAsync(host, "poll_results_request", $$"""{"pollId":"w","cursor":"{{cursor}}"}""")).GetProperty("results");
        Assert.Equal("""{"y":1,"z":1}""", second.GetProperty("responses").GetRawText());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);

        var one = (await _f.EmitAsync(host, "poll_results_request", """{"pollId":"w","limit":1}""")).GetProperty("results");
        Assert.Equal("""{"c":3}""", one.GetProperty("responses").GetRawText());
        JsonAssert.IsError(await _f.EmitAsync(host, "poll_results_request", """{"pollId":"w","cursor":"-1"}"""), "INVALID_PAYLOAD");
    }
}
