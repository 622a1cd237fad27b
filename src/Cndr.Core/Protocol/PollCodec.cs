using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Cndr.Core.Store;
using Cndr.Transport;

namespace Cndr.Core.Protocol;

/// <summary>
/// The poll payloads (PROTOCOL §8.5): poll_start validation, answer normalisation to the stored form,
/// the poll objects of <c>poll_started</c>/<c>poll_ended</c> and the aggregated <c>poll_results</c>.
/// </summary>
internal static class PollCodec
{
    public static ReadOnlySpan<byte> PollTypeName(PollType type) => type switch
    {
        PollType.SingleChoice => "single_choice"u8,
        PollType.MultipleChoice => "multiple_choice"u8,
        _ => "free_text"u8,
    };

    /// <summary>Writes <c>{pollId, type, question, options}</c>.</summary>
    public static void WritePoll(Utf8JsonWriter w, PollDefinition p)
    {
        w.WriteStartObject();
        WritePollFields(w, p);
        w.WriteStartArray("options"u8);
        foreach (var o in p.Options)
        {
            w.WriteStringValue(o);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WritePollFields(Utf8JsonWriter w, PollDefinition p)
    {
        w.WriteString("pollId"u8, p.PollId);
        w.WriteString("type"u8, PollTypeName(p.Type));
        w.WriteString("question"u8, p.Question);
        if (p.EndsAtMs > 0)
        {
            w.WriteNumber("endsAt"u8, p.EndsAtMs);
        }
    }

    /// <summary>Reads a <c>pollId</c> string property value (unescaped) into <paramref name="dest"/>; false when not a valid pollId.</summary>
    public static bool TryReadPollId(ReadOnlySpan<byte> json, JsonField f, Span<byte> dest, out int length)
    {
        length = 0;
        if (!f.Found || f.Type != JsonTokenType.String)
        {
            return false;
        }

        var r = new Utf8JsonReader(json.Slice(f.Start, f.Length));
        r.Read();
        return JsonArgs.TryCopyString(ref r, dest, out length) && Ids.IsPollId(dest[..length]);
    }

    /// <summary>The <c>pollId</c> of a <c>{pollId}</c> argument as a string, or null when missing/invalid.</summary>
    public static string? ReadPollId(CommandArg arg)
    {
        if (arg.Kind != ArgKind.Object || !JsonArgs.ScanFields(arg.Json.Span, "pollId"u8, default, out var f, out _))
        {
            return null;
        }

        Span<byte> id = stackalloc byte[Ids.MaxPollIdLength];
        return TryReadPollId(arg.Json.Span, f, id, out var n) ? Encoding.ASCII.GetString(id[..n]) : null;
    }

    /// <summary>Shortest <c>durationMs</c> of a timed poll.</summary>
    public const long MinDurationMs = 100;

    /// <summary>Longest <c>durationMs</c> of a timed poll (24 h).</summary>
    public const long MaxDurationMs = 24L * 60 * 60 * 1000;

    /// <summary>Validates a poll_start argument; null when invalid (INVALID_PAYLOAD).</summary>
    public static PollDefinition? ParsePollStart(ReadOnlySpan<byte> json, out long durationMs)
    {
        durationMs = 0;
        var live = false;
        string? pollId = null;
        string? question = null;
        PollType type = 0;
        List<string>? options = null;
        var optionsInvalid = false;
        Span<byte> id = stackalloc byte[Ids.MaxPollIdLength];
        try
        {
            var r = new Utf8JsonReader(json);
            r.Read();
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("pollId"u8))
                {
                    r.Read();
                    pollId = JsonArgs.TryCopyString(ref r, id, out var n) && Ids.IsPollId(id[..n]) ? Encoding.ASCII.GetString(id[..n]) : null;
                    if (pollId is null)
                    {
                        return null;
                    }
                }
                else if (r.ValueTextEquals("type"u8))
                {
                    r.Read();
                    type = r.TokenType != JsonTokenType.String ? 0
                        : r.ValueTextEquals("single_choice"u8) ? PollType.SingleChoice
                        : r.ValueTextEquals("multiple_choice"u8) ? PollType.MultipleChoice
                        : r.ValueTextEquals("free_text"u8) ? PollType.FreeText : 0;
                    if (type == 0)
                    {
                        return null;
                    }
                }
                else if (r.ValueTextEquals("durationMs"u8))
                {
                    // A timed poll ends by itself (PROTOCOL §9): a whole number of ms in [MinDurationMs, MaxDurationMs].
                    r.Read();
                    if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out durationMs) || durationMs < MinDurationMs || durationMs > MaxDurationMs)
                    {
                        return null;
                    }
                }
                else if (r.ValueTextEquals("liveResults"u8))
                {
                    r.Read();
                    if (r.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                    {
                        return null;
                    }

                    live = r.GetBoolean();
                }
                else if (r.ValueTextEquals("question"u8))
                {
                    r.Read();
                    if (r.TokenType != JsonTokenType.String)
                    {
                        return null;
                    }

                    question = r.GetString();
                }
                else if (r.ValueTextEquals("options"u8))
                {
                    r.Read();
                    options = null;
                    optionsInvalid = false;
                    if (r.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (r.TokenType != JsonTokenType.StartArray)
                    {
                        optionsInvalid = true;
                        r.Skip();
                        continue;
                    }

                    options = [];
                    while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                    {
                        if (r.TokenType != JsonTokenType.String)
                        {
                            optionsInvalid = true;
                            r.Skip();
                            continue;
                        }

                        options.Add(r.GetString()!);
                    }
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        if (pollId is null || question is null || type == 0)
        {
            return null;
        }

        if (type == PollType.FreeText)
        {
            // Options mean nothing for free text: always [] (PROTOCOL §8.5).
            return new PollDefinition(pollId, type, question, [], true, 0, LiveResults: live);
        }

        if (optionsInvalid || options is null || options.Count < 2)
        {
            return null;
        }

        return new PollDefinition(pollId, type, question, options, true, 0, LiveResults: live);
    }

    /// <summary>
    /// Validates an answer against its poll and writes the stored form: <c>option_&lt;i&gt;</c>; a JSON array of distinct
    /// options in ascending order; or the trimmed free text (UTF-8).
    /// </summary>
    public static ErrorCode NormalizeResponse(PollDefinition poll, ReadOnlySpan<byte> json, Span<byte> dest, int maxFreeTextChars, out int length)
    {
        length = 0;
        var r = new Utf8JsonReader(json);
        r.Read();
        switch (poll.Type)
        {
            case PollType.SingleChoice:
                {
                    if (!TryReadOption(ref r, poll.Options.Count, out var index))
                    {
                        return ErrorCode.InvalidResponse;
                    }

                    length = WriteOption(dest, index);
                    return ErrorCode.None;
                }

            case PollType.MultipleChoice:
                {
                    if (r.TokenType != JsonTokenType.StartArray)
                    {
                        return ErrorCode.InvalidResponse;
                    }

                    var count = poll.Options.Count;
                    var rented = count > 512 ? ArrayPool<bool>.Shared.Rent(count) : null;
                    var chosen = rented is null ? stackalloc bool[count] : rented.AsSpan(0, count);
                    chosen.Clear();
                    try
                    {
                        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                        {
                            if (!TryReadOption(ref r, count, out var index) || chosen[index])
                            {
                                return ErrorCode.InvalidResponse;
                            }

                            chosen[index] = true;
                        }

                        var n = 0;
                        dest[n++] = (byte)'[';
                        for (var i = 0; i < count; i++)
                        {
                            if (!chosen[i])
                            {
                                continue;
                            }

                            if (n > 1)
                            {
                                dest[n++] = (byte)',';
                            }

                            dest[n++] = (byte)'"';
                            n += WriteOption(dest[n..], i);
                            dest[n++] = (byte)'"';
                        }

                        dest[n++] = (byte)']';
                        length = n;
                        return ErrorCode.None;
                    }
                    finally
                    {
                        if (rented is not null)
                        {
                            ArrayPool<bool>.Shared.Return(rented);
                        }
                    }
                }

            default:
                {
                    if (r.TokenType != JsonTokenType.String)
                    {
                        return ErrorCode.InvalidResponse;
                    }

                    // Unescape, trim (Unicode white space, as String.Trim), measure in UTF-16 characters, re-encode.
                    var utf8 = ArrayPool<byte>.Shared.Rent(Math.Max(r.ValueSpan.Length, 1));
                    var chars = ArrayPool<char>.Shared.Rent(Math.Max(r.ValueSpan.Length, 1));
                    try
                    {
                        var n = r.CopyString(utf8);
                        var c = Encoding.UTF8.GetChars(utf8.AsSpan(0, n), chars);
                        var text = chars.AsSpan(0, c).Trim();
                        if (text.IsEmpty)
                        {
                            return ErrorCode.InvalidResponse;
                        }

                        if (text.Length > maxFreeTextChars)
                        {
                            return ErrorCode.PayloadTooLarge;
                        }

                        length = Encoding.UTF8.GetBytes(text, dest);
                        return ErrorCode.None;
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(utf8);
                        ArrayPool<char>.Shared.Return(chars);
                    }
                }
        }
    }

    // "option_<i>" with i in [0, count), decimal without leading zeros.
    private static bool TryReadOption(ref Utf8JsonReader r, int count, out int index)
    {
        index = -1;
        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped)
        {
            return false;
        }

        return TryParseOption(r.ValueSpan, count, out index);
    }

    public static bool TryParseOption(ReadOnlySpan<byte> s, int count, out int index)
    {
        index = -1;
        if (!s.StartsWith("option_"u8))
        {
            return false;
        }

        var digits = s[7..];
        if (digits.IsEmpty || digits.Length > 9 || (digits.Length > 1 && digits[0] == (byte)'0'))
        {
            return false;
        }

        if (!Utf8Parser.TryParse(digits, out int value, out var consumed) || consumed != digits.Length || value < 0 || value >= count)
        {
            return false;
        }

        index = value;
        return true;
    }

    public static int WriteOption(Span<byte> dest, int index)
    {
        "option_"u8.CopyTo(dest);
        Utf8Formatter.TryFormat(index, dest[7..], out var w);
        return 7 + w;
    }

    /// <summary>The <c>poll_started</c> event <c>{pollId,type,question,options}</c>.</summary>
    public static OutboundMessage PollStarted(PollDefinition poll)
    {
        var m = RelayJson.StartEvent("poll_started"u8, 256);
        var w = RelayJson.Writer(m);
        WritePoll(w, poll);
        w.Flush();
        return RelayJson.EndEvent(m);
    }

    /// <summary>The <c>poll_ended</c> event <c>{pollId}</c>.</summary>
    public static OutboundMessage PollEnded(string pollId)
    {
        var m = RelayJson.StartEvent("poll_ended"u8, 96);
        var w = RelayJson.Writer(m);
        w.WriteStartObject();
        w.WriteString("pollId"u8, pollId);
        w.WriteEndObject();
        w.Flush();
        return RelayJson.EndEvent(m);
    }

    /// <summary>Free-text answers one <c>poll_results</c> lists when nobody says otherwise (POLL_RESULTS_TOP's default).</summary>
    public const int DefaultResultsTop = 100;

    /// <summary>
    /// Aggregates a poll's answers into <c>{pollId,type,question,active,results}</c>. Choice polls list every option. A
    /// free-text poll lists one page of distinct answers, most frequent first (ties by answer, ordinal): at most
    /// <paramref name="top"/> of them from rank <paramref name="offset"/>, ending early once the answers reach
    /// <paramref name="maxBytes"/> (at least one), with <c>totalResponses</c>, <c>distinctResponses</c> and <c>nextCursor</c>
    /// (the rank where the next page starts, as text; null after the last page) (PROTOCOL §8.23).
    /// </summary>
    public static byte[] BuildPollResults(PollSnapshot snapshot, int top = DefaultResultsTop, int offset = 0, int maxBytes = int.MaxValue)
    {
        var poll = snapshot.Poll;
        var s = new ArrayBufferWriter<byte>(256);
        var w = RelayJson.Writer(s);
        w.WriteStartObject();
        WritePollFields(w, poll);
        w.WriteBoolean("active"u8, poll.Active);
        w.WriteStartObject("results"u8);
        if (poll.Type == PollType.FreeText)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var v in snapshot.Responses)
            {
                var text = Encoding.UTF8.GetString(v.Span);
                counts[text] = counts.TryGetValue(text, out var c) ? c + 1 : 1;
            }

            var ranked = counts.ToArray();
            Array.Sort(ranked, static (a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
            var first = Math.Clamp(offset, 0, ranked.Length);
            var last = first + Math.Min(Math.Max(top, 1), ranked.Length - first);
            var end = first;
            w.WriteStartObject("responses"u8);
            for (long bytes = 0; end < last && (end == first || bytes < maxBytes); end++)
            {
                w.WriteNumber(ranked[end].Key, ranked[end].Value);
                bytes += Encoding.UTF8.GetByteCount(ranked[end].Key) + 16;
            }

            w.WriteEndObject();
            w.WriteNumber("distinctResponses"u8, ranked.Length);
            if (end < ranked.Length)
            {
                w.WriteString("nextCursor"u8, end.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                w.WriteNull("nextCursor"u8);
            }
        }
        else
        {
            var counts = new int[poll.Options.Count];
            foreach (var v in snapshot.Responses)
            {
                if (poll.Type == PollType.SingleChoice)
                {
                    if (TryParseOption(v.Span, counts.Length, out var i))
                    {
                        counts[i]++;
                    }

                    continue;
                }

                try
                {
                    var r = new Utf8JsonReader(v.Span);
                    r.Read();
                    while (r.Read() && r.TokenType == JsonTokenType.String)
                    {
                        if (TryParseOption(r.ValueSpan, counts.Length, out var i))
                        {
                            counts[i]++;
                        }
                    }
                }
                catch (JsonException)
                {
                    // A stored answer the relay did not write: ignored.
                }
            }

            Span<byte> name = stackalloc byte[24];
            for (var i = 0; i < counts.Length; i++)
            {
                w.WriteNumber(name[..WriteOption(name, i)], counts[i]);
            }
        }

        // Respondents: one stored answer per client (for multiple_choice the option counts may sum to more).
        w.WriteNumber("totalResponses"u8, snapshot.Responses.Count);
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
        return s.WrittenSpan.ToArray();
    }
}
