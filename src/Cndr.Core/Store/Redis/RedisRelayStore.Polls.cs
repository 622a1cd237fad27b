using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

public sealed partial class RedisRelayStore
{
    /// <inheritdoc />
    public async ValueTask<PollStartOutcome> StartPollAsync(RoomCode code, PollDefinition poll, long nowMs, string? hostConnectionId = null)
    {
        ArgumentNullException.ThrowIfNull(poll);
        var keys = _keys.For(code);
        try
        {
            var r = await EvalAsync(RedisScripts.StartPoll, [keys.Config, keys.State, keys.Polls, keys.PollConfig(poll.PollId)],
                [poll.PollId, PollTypeName(poll.Type), poll.Question, SerializeOptions(poll.Options), nowMs, hostConnectionId ?? "", poll.EndsAtMs, poll.LiveResults ? 1 : 0]);
            return (PollStartOutcome)Int(r);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(StartPollAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<PollOutcome> EndPollAsync(RoomCode code, string pollId, long nowMs, string? hostConnectionId = null)
    {
        var keys = _keys.For(code);
        try
        {
            var r = await EvalAsync(RedisScripts.EndPoll, [keys.Config, keys.State, keys.PollConfig(pollId)], [nowMs, hostConnectionId ?? ""]);
            return (PollOutcome)Int(r);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(EndPollAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<PollDefinition?> GetPollAsync(RoomCode code, string pollId)
    {
        var keys = _keys.For(code);
        try
        {
            return ParsePoll(pollId, await _db.HashGetAllAsync(keys.PollConfig(pollId)));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(GetPollAsync));
        }
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<PollOutcome> RecordPollResponseAsync(RoomCode code, string pollId, string clientId, ReadOnlyMemory<byte> response, long nowMs)
    {
        var keys = _keys.For(code);
        try
        {
            var r = await EvalAsync(RedisScripts.RecordPollResponse,
                [keys.Config, keys.State, keys.PollConfig(pollId), keys.PollResponses(pollId)], [clientId, response, nowMs]);
            return (PollOutcome)Int(r);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(RecordPollResponseAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<PollSnapshot?> GetPollResponsesAsync(RoomCode code, string pollId)
    {
        var keys = _keys.For(code);
        try
        {
            // Pipelined: one round trip.
            var configTask = _db.HashGetAllAsync(keys.PollConfig(pollId));
            var valuesTask = _db.HashValuesAsync(keys.PollResponses(pollId));
            var poll = ParsePoll(pollId, await configTask);
            var values = await valuesTask;
            if (poll is null)
            {
                return null;
            }

            var responses = new ReadOnlyMemory<byte>[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                responses[i] = (byte[]?)values[i] ?? [];
            }

            return new PollSnapshot(poll, responses);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(GetPollResponsesAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PollDefinition>> GetActivePollsAsync(RoomCode code)
    {
        var keys = _keys.For(code);
        try
        {
            return await ReadActivePollsAsync(keys, await _db.SortedSetRangeByRankAsync(keys.Polls));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(GetActivePollsAsync));
        }
    }

    /// <summary>The active polls among <paramref name="ids"/> (in their order): every poll hash read in one pipelined round trip.</summary>
    private async Task<IReadOnlyList<PollDefinition>> ReadActivePollsAsync(RoomKeys keys, RedisValue[] ids)
    {
        var reads = new Task<HashEntry[]>[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            reads[i] = _db.HashGetAllAsync(keys.PollConfig(ids[i].ToString()));
        }

        var polls = new List<PollDefinition>();
        for (var i = 0; i < ids.Length; i++)
        {
            if (ParsePoll(ids[i].ToString(), await reads[i]) is { Active: true } poll)
            {
                polls.Add(poll);
            }
        }

        return polls;
    }

    private static PollDefinition? ParsePoll(string pollId, HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }

        PollType? type = null;
        string question = "";
        IReadOnlyList<string> options = [];
        var active = false;
        long startedAt = 0;
        long endsAt = 0;
        var live = false;
        foreach (var e in entries)
        {
            if (e.Name == RedisKeys.PollType)
            {
                type = TryParsePollType(e.Value.ToString(), out var t) ? t : null;
            }
            else if (e.Name == RedisKeys.PollQuestion)
            {
                question = e.Value.ToString();
            }
            else if (e.Name == RedisKeys.PollOptions)
            {
                options = ParseOptions((byte[]?)e.Value);
            }
            else if (e.Name == RedisKeys.PollActive)
            {
                active = e.Value == "true";
            }
            else if (e.Name == RedisKeys.PollStartedAt)
            {
                startedAt = Long(e.Value);
            }
            else if (e.Name == RedisKeys.PollEndsAt)
            {
                endsAt = Long(e.Value);
            }
            else if (e.Name == RedisKeys.PollLive)
            {
                live = e.Value == "1";
            }
        }

        // A poll hash without a known type was not written by the relay: treat it as absent.
        return type is { } pt ? new PollDefinition(pollId, pt, question, options, active, startedAt, endsAt, live) : null;
    }

    private static string PollTypeName(PollType type) => type switch
    {
        PollType.SingleChoice => "single_choice",
        PollType.MultipleChoice => "multiple_choice",
        PollType.FreeText => "free_text",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown poll type."),
    };

    private static bool TryParsePollType(string? name, out PollType type)
    {
        switch (name)
        {
            case "single_choice":
                type = PollType.SingleChoice;
                return true;
            case "multiple_choice":
                type = PollType.MultipleChoice;
                return true;
            case "free_text":
                type = PollType.FreeText;
                return true;
            default:
                type = default;
                return false;
        }
    }

    /// <summary>The options as the design stores them: a JSON array of strings.</summary>
    internal static byte[] SerializeOptions(IReadOnlyList<string> options)
    {
        var buffer = new ArrayBufferWriter<byte>(16 + (options.Count * 16));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var o in options)
            {
                writer.WriteStringValue(o);
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses a JSON array of strings; anything else gives no options.</summary>
    internal static IReadOnlyList<string> ParseOptions(byte[]? json)
    {
        if (json is null || json.Length == 0)
        {
            return [];
        }

        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return [];
            }

            var list = new List<string>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    return [];
                }

                list.Add(reader.GetString()!);
            }

            return list;
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
