using System.Text.Json;
using Cndr.Core.Tests.Infrastructure;

namespace Cndr.Core.Tests;

public sealed class PollTests : IDisposable
{
    private readonly RelayFixture _f = new();

    public void Dispose() => _f.Dispose();

    private async Task<(FakeConnection Host, FakeConnection Player, FakeConnection[] Audience)> RoomAsync(int audience = 3)
    {
        await _f.CreateRoomAsync();
        var host = await _f.HostAsync();
        var (p, _, _) = await _f.PlayerAsync();
        var a = new FakeConnection[audience];
        for (var i = 0; i < audience; i++)
        {
            a[i] = await _f.AudienceAsync();
        }

        host.ClearEvents();
        p.ClearEvents();
        foreach (var x in a)
        {
            x.ClearEvents();
        }

        return (host, p, a);
    }

    private static JsonElement Results(JsonElement pollResults) => pollResults.GetProperty("results");

    [Fact]
    public async Task PollStartReachesOnlyTheAudience()
    {
        var (host, p, a) = await RoomAsync(2);
        JsonAssert.IsOk(await _f.EmitAsync(host, "poll_start", """{"pollId":"q-1","type":"single_choice","question":"Best?","options":["Red","Blue"]}"""));
        foreach (var x in a)
        {
            Assert.Equal("""{"pollId":"q-1","type":"single_choice","question":"Best?","options":["Red","Blue"]}""", x.Single("poll_started").Arg.GetRawText());
        }

        Assert.Empty(p.Events);
        Assert.Empty(host.EventsNamed("poll_started"));
    }

    [Fact]
    public async Task FreeTextPollHasEmptyOptionsAndLateAudienceSeesActivePollsOnly()
    {
        var (host, _, _) = await RoomAsync(0);
        await _f.EmitAsync(host, "poll_start", """{"pollId":"ft","type":"free_text","question":"Why?","options":["ignored"]}""");
        await _f.EmitAsync(host, "poll_start", """{"pollId":"old","type":"single_choice","question":"Q","options":["a","b"]}""");
        await _f.EmitAsync(host, "poll_end", """{"pollId":"old"}""");
        var (_, r) = await _f.HandshakeAsync("""{"roomCode":"ABC123","role":"audience"}""");
        var polls = r.GetProperty("polls");
        Assert.Equal(1, polls.GetArrayLength());
        Assert.Equal("""{"pollId":"ft","type":"free_text","question":"Why?","options":[]}""", polls[0].GetRawText());
    }

    [Theory]
    [InlineData("""{"pollId":"","type":"single_choice","question":"Q","options":["a","b"]}""")]
    [InlineData("""{"pollId":"a b","type":"single_choice","question":"Q","options":["a","b"]}""")]
    [InlineData("""{"pollId":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","type":"free_text","question":"Q"}""")]
    [InlineData("""{"pollId":"p","type":"ranking","question":"Q","options":["a","b"]}""")]
    [InlineData("""{"pollId":"p","type":"single_choice","question":"Q","options":["a"]}""")]
    [InlineData("""{"pollId":"p","type":"multiple_choice","question":"Q"}""")]
    [InlineData("""{"pollId":"p","type":"single_choice","question":"Q","options":["a",2]}""")]
    [InlineData("""{"pollId":"p","type":"single_choice","options":["a","b"]}""")]
    [InlineData("""{"type":"free_text","question":"Q"}""")]
    [InlineData("""["p"]""")]
    public async Task PollStartValidatesItsPayload(string arg)
    {
        var (host, _, a) = await RoomAsync(1);
        JsonAssert.IsError(await _f.EmitAsync(host, "poll_start", arg), "INVALID_PAYLOAD");
        Assert.Empty(a[0].Events);
    }

    [Fact]
    public async Task PollIdIsUniquePerRoom()
    {
        var (host, _, _) = await RoomAsync(0);
        const string start = """{"pollId":"p","type":"free_text","question":"Q"}""";
        JsonAssert.IsOk(await _f.EmitAsync(host, "poll_start", start));
        JsonAssert.IsError(await _f.EmitAsync(host, "poll_start", start), "POLL_EXISTS");
        await _f.EmitAsync(host, "poll_end", """{"pollId":"p"}""");
        JsonAssert.IsError(await _f.EmitAsync(host, "poll_start", start), "POLL_EXISTS");
    }

    [Fact]
    public async Task SingleChoiceCountsEveryOptionAndLastAnswerWins()
    {
        var (host, _, a) = await RoomAsync(3);
        await _f.EmitAsync(host, "poll_start", """{"pollId":"p","type":"single_choice","question":"Q","options":["a","b","c"]}""");
        JsonAssert.IsOk(await _f.EmitAsync(a[0], "poll_response", """{"pollId":"p","response":"option_0"}"""));
        JsonAssert.IsOk(await _f.EmitAsync(a[1], "poll_response", """{"pollId":"p","response":"option_0"}"""));
        JsonAssert.IsOk(await _f.EmitAsync(a[1], "poll_response", """{"pollId":"p","response":"option_2"}"""));
        var ack = await _f.EmitAsync(host, "poll_results_request", """{"pollId":"p"}""");
        JsonAssert.IsOk(ack);
        Assert.Equal("p", ack.GetProperty("pollId").GetString());
        Assert.Equal("single_choice", ack.GetProperty("type").GetString());
        Assert.Equal("Q", ack.GetProperty("question").GetString());
        Assert.True(ack.GetProperty("active").GetBoolean());
        Assert.Equal("""{"option_0":1,"option_1":0,"option_2":1,"totalResponses":2}""", Results(ack).GetRawText());
        var evt = host.Single("poll_results").Arg;
        Assert.Equal("""{"pollId":"p","type":"single_choice","question":"Q","active":true,"results":{"option_0":1,"option_1":0,"option_2":1,"totalResponses":2}}""", evt.GetRawText());
    }

    [Fact]
    public async Task MultipleChoiceTotalCountsRespondentsAndAnEmptyAnswerIsValid()
    {
        var (host, _, a) = await RoomAsync(3);
        await _f.EmitAsync(host, "poll_start", """{"pollId":"m","type":"multiple_choice","question":"Q","options":["a","b","c"]}""");
        JsonAssert.IsOk(await _f.EmitAsync(a[0], "poll_response", """{"pollId":"m","response":["option_0","option_2"]}"""));
        JsonAssert.IsOk(await _f.EmitAsync(a[1], "poll_response", """{"pollId":"m","response":["option_2","option_1","option_0"]}"""));
        JsonAssert.IsOk(await _f.EmitAsync(a[2], "poll_response", """{"pollId":"m","response":[]}"""));
        var ack = await _f.EmitAsync(host, "poll_results_request", """{"pollId":"m"}""");
        Assert.Equal("""{"option_0":2,"option_1":1,"option_2":2,"totalResponses":3}""", Results(ack).GetRawText());
    }

    [Fact]
    public async Task FreeTextAnswersAreTrimmedAndCountedByText()
    {
        var (host, _, a) = await RoomAsync(3);
        await _f.EmitAsync(host, "poll_start", """{"pollId":"f","type":"free_text","question":"Q"}""");
        JsonAssert.IsOk(await _f.EmitAsync(a[0], "poll_response", """{"pollId":"f","response":"  Blue \n"}"""));
        JsonAssert.IsOk(await _f.EmitAsync(a[1], "poll_response", """{"pollId":"f","response":"Blue"}"""));
        JsonAssert.IsOk(await _f.EmitAsync(a[2], "poll_response", """{"pollId":"f","response":"gr\u00fcn \"x\""}"""));
        var ack = await _f.EmitAsync(host, "poll_results_request", """{"pollId":"f"}""");
        var results = Results(ack);
        Assert.Equal(3, results.GetProperty("totalResponses").GetInt32());
        var responses = results.GetProperty("responses");
        Assert.Equal(2, responses.GetProperty("Blue").GetInt32());
        Assert.Equal(1, responses.GetProperty("grün \"x\"").GetInt32());
    }

    public static TheoryData<string, string, string> BadAnswers => new()
    {
        { "single_choice", "\"option_3\"", "INVALID_RESPONSE" },
        { "single_choice", "\"option_01\"", "INVALID_RESPONSE" },
        { "single_choice", "\"Red\"", "INVALID_RESPONSE" },
        { "single_choice", "0", "INVALID_RESPONSE" },
        { "single_choice", "[\"option_0\"]", "INVALID_RESPONSE" },
        { "single_choice", "null", "INVALID_RESPONSE" },
        { "multiple_choice", "[\"option_0\",\"option_0\"]", "INVALID_RESPONSE" },
        { "multiple_choice", "[\"option_9\"]", "INVALID_RESPONSE" },
        { "multiple_choice", "\"option_0\"", "INVALID_RESPONSE" },
        { "multiple_choice", "[1]", "INVALID_RESPONSE" },
        { "free_text", "\"   \"", "INVALID_RESPONSE" },
        { "free_text", "\"\"", "INVALID_RESPONSE" },
        { "free_text", "42", "INVALID_RESPONSE" },
        { "free_text", "\"" + new string('x', 501) + "\"", "PAYLOAD_TOO_LARGE" },
    };

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public async Task IllTypedOrOutOfRangeAnswersAreRejectedAndNotCounted(string type, string response, string code)
    {
        var (host, _, a) = await RoomAsync(1);
        await _f.EmitAsync(host, "poll_start", $$"""{"pollId":"p","type":"{{type}}","question":"Q","options":["a","b","c"]}""");
        JsonAssert.IsError(await _f.EmitAsync(a[0], "poll_response", $$"""{"pollId":"p","response":{{response}}}"""), code);
        var ack = await _f.EmitAsync(host, "poll_results_request", """{"pollId":"p"}""");
        Assert.Equal(0, Results(ack).GetProperty("totalResponses").GetInt32());
        Assert.False(a[0].IsDisconnected);
    }

    [Fact]
    public async Task FreeTextOfExactlyTheLimitIsAccepted()
    {
        var (host, _, a) = await RoomAsync(1);
        await _f.EmitAsync(host, "poll_start", """{"pollId":"p","type":"free_text","question":"Q"}""");
        JsonAssert.IsOk(await _f.EmitAsync(a[0], "poll_response", $$"""{"pollId":"p","response":" {{new string('y', 500)}} "}"""));
    }

    [Theory]
    [InlineData("""{"pollId":"p"}""", "INVALID_PAYLOAD")]
    [InlineData("""{"response":"option_0"}""", "INVALID_PAYLOAD")]
    [InlineData("""{"pollId":"bad id","response":"option_0"}""", "INVALID_PAYLOAD")]
    [InlineData("""{"pollId":"nope","response":"option_0"}""", "POLL_NOT_FOUND")]
    public async Task PollResponseErrors(string arg, string code)
    {
        var (host, _, a) = await RoomAsync(1);
        await _f.EmitAsync(host, "poll_start", """{"pollId":"p","type":"single_choice","question":"Q","options":["a","b"]}""");
        JsonAssert.IsError(await _f.EmitAsync(a[0], "poll_response", arg), code);
    }

    [Fact]
    public async Task EndedPollRefusesAnswersAndAnnouncesItsEndToTheAudience()
    {
        var (host, p, a) = await RoomAsync(2);
        await _f.EmitAsync(host, "poll_start", """{"pollId":"p","type":"single_choice","question":"Q","options":["a","b"]}""");
        JsonAssert.IsOk(await _f.EmitAsync(a[0], "poll_response", """{"pollId":"p","response":"option_1"}"""));
        JsonAssert.IsOk(await _f.EmitAsync(host, "poll_end", """{"pollId":"p"}"""));
        Assert.Equal("""{"pollId":"p"}""", a[1].Single("poll_ended").Arg.GetRawText());
        Assert.Empty(p.Events);
        JsonAssert.IsError(await _f.EmitAsync(a[1], "poll_response", """{"pollId":"p","response":"option_0"}"""), "POLL_NOT_ACTIVE");
        JsonAssert.IsError(await _f.EmitAsync(host, "poll_end", """{"pollId":"p"}"""), "POLL_NOT_ACTIVE");
        JsonAssert.IsError(await _f.EmitAsync(host, "poll_end", """{"pollId":"zz"}"""), "POLL_NOT_FOUND");
        JsonAssert.IsError(await _f.EmitAsync(host, "poll_end", """{"poll":"p"}"""), "INVALID_PAYLOAD");
        var ack = await _f.EmitAsync(host, "poll_results_request", """{"pollId":"p"}""");
        Assert.False(ack.GetProperty("active").GetBoolean());
        Assert.Equal("""{"option_0":0,"option_1":1,"totalResponses":1}""", Results(ack).GetRawText());
    }

    [Fact]
    public async Task PollResultsRequestErrors()
    {
        var (host, _, _) = await RoomAsync(0);
        JsonAssert.IsError(await _f.EmitAsync(host, "poll_results_request", """{"pollId":"nope"}"""), "POLL_NOT_FOUND");
        JsonAssert.IsError(await _f.EmitAsync(host, "poll_results_request", "{}"), "INVALID_PAYLOAD");
        Assert.Empty(host.EventsNamed("poll_results"));
    }

    [Fact]
    public async Task PollEndedOnTheStoreIsSeenByANodeWhoseCacheSaysActive()
    {
        var (host, _, a) = await RoomAsync(1);
        await _f.EmitAsync(host, "poll_start", """{"pollId":"p","type":"single_choice","question":"Q","options":["a","b"]}""");
        JsonAssert.IsOk(await _f.EmitAsync(a[0], "poll_response", """{"pollId":"p","response":"option_1"}"""));
        // Ended behind this node's back (e.g. by another node): the store's atomic check decides.
        await _f.Store.EndPollAsync(RelayFixture.Code("ABC123"), "p", _f.Time.NowMs);
        JsonAssert.IsError(await _f.EmitAsync(a[0], "poll_response", """{"pollId":"p","response":"option_0"}"""), "POLL_NOT_ACTIVE");
    }

    [Fact]
    public void FreeTextResultsCanBeBoundedToTheMostFrequentAnswersWithEveryAnswerCounted()
    {
        // 60 answers given once (stored as trimmed UTF-8); "b" given three times, "c" twice: with room for two, those two are listed.
        var answers = new List<ReadOnlyMemory<byte>>();
        for (var i = 0; i < 60; i++)
        {
            answers.Add(System.Text.Encoding.UTF8.GetBytes($"a{i}"));
        }

        answers.AddRange(["b"u8.ToArray(), "c"u8.ToArray(), "b"u8.ToArray(), "c"u8.ToArray(), "b"u8.ToArray()]);
        var snapshot = new Store.PollSnapshot(new Store.PollDefinition("p", Store.PollType.FreeText, "Q?", [], false, 0), answers);

        using var bounded = JsonDocument.Parse(Protocol.PollCodec.BuildPollResults(snapshot, top: 2));
        var results = bounded.RootElement.GetProperty("results");
        Assert.Equal(["b", "c"], results.GetProperty("responses").EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, results.GetProperty("responses").GetProperty("b").GetInt32());
        Assert.Equal(62, results.GetProperty("distinctResponses").GetInt32());
        Assert.Equal("2", results.GetProperty("nextCursor").GetString());
        Assert.Equal(65, results.GetProperty("totalResponses").GetInt32());

        // Room for all: every answer, most frequent first, then by answer; no next page.
        using var all = JsonDocument.Parse(Protocol.PollCodec.BuildPollResults(snapshot, top: 500));
        var full = all.RootElement.GetProperty("results");
        Assert.Equal(62, full.GetProperty("responses").EnumerateObject().Count());
        Assert.Equal(["b", "c", "a0", "a1", "a10"], full.GetProperty("responses").EnumerateObject().Take(5).Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, full.GetProperty("nextCursor").ValueKind);
    }
}
