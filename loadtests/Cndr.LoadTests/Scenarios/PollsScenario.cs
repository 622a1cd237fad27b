using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Cndr.LoadTests.Client;
using Cndr.LoadTests.Running;

namespace Cndr.LoadTests.Scenarios;

/// <summary>
/// R rooms × (1 host + A audience). Each step: every host starts a single_choice poll with 4 options, waits
/// until its audience saw poll_started, the audience answers at a total rate (each member once, option =
/// member index mod 4), then the host ends the poll and requests the results, which must equal the
/// acknowledged answers exactly. Latency = poll_response round trip (emit → ack).
/// </summary>
internal sealed class PollsScenario(Options options, TargetRuntime target) : Scenario(options, target)
{
    private const int OptionCount = 4;
    private LeanClient[] _answerers = [];
    private int[] _started = [];
    private long[,] _expected = new long[0, 0];

    public override string Name => "polls";

    public override string Unit => "answer";

    public override string RateUnit => "answers/s total";

    public override double DefaultRate => 2000;

    public override async Task SetupAsync(Action<string> log, CancellationToken cancellationToken)
    {
        await SetupRoomsAsync(0, Options.Audience, false, log, cancellationToken);
        var list = new List<LeanClient>();
        for (var i = 0; i < Options.Audience; i++)
        {
            foreach (var r in Rooms)
            {
                if (i < r.Audience.Count)
                {
                    list.Add(r.Audience[i]);
                }
            }
        }

        _answerers = [.. list];
    }

    public override async Task<StepOutcome> RunStepAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        var meter = Meter;
        var pollId = $"s{plan.Index}{(plan.IsWarmup ? "w" : "")}-{Environment.TickCount64 % 100000}";
        _started = new int[Rooms.Count];
        _expected = new long[Rooms.Count, OptionCount];
        var start = JsonSerializer.SerializeToUtf8Bytes(new { pollId, type = "single_choice", question = "Which one?", options = new[] { "a", "b", "c", "d" } });
        foreach (var room in Rooms)
        {
            var ack = await room.Host!.EmitWithAckAsync("poll_start"u8, start);
            if (!LeanClient.IsOkAck(ack))
            {
                return Failed($"poll_start refused in room {room.Info.RoomCode}: {Encoding.UTF8.GetString(ack)}");
            }
        }

        var waitStart = Stopwatch.StartNew();
        while (Enumerable.Range(0, Rooms.Count).Any(r => Volatile.Read(ref _started[r]) < Rooms[r].Audience.Count))
        {
            if (waitStart.Elapsed > TimeSpan.FromSeconds(10))
            {
                var got = _started.Sum();
                return Failed($"poll_started reached {got} of {_answerers.Length} audience members within 10 s");
            }

            await Task.Delay(5, cancellationToken);
        }

        var answerers = _answerers;
        var pollIdBytes = Encoding.UTF8.GetBytes(pollId);
        var body = new byte[64 + pollIdBytes.Length];
        var touched = new List<LeanClient>();
        var sw = Stopwatch.StartNew();
        var sent = await PaceAsync(plan.Rate, plan.Duration, Math.Min(plan.MaxCount, answerers.Length), i =>
        {
            var who = answerers[(int)i];
            var n = 0;
            "{\"pollId\":\""u8.CopyTo(body);
            n += 11;
            pollIdBytes.CopyTo(body, n);
            n += pollIdBytes.Length;
            "\",\"response\":\"option_"u8.CopyTo(body.AsSpan(n));
            n += 21;
            body[n++] = (byte)('0' + (who.Index % OptionCount));
            body[n++] = (byte)'"';
            body[n++] = (byte)'}';
            who.LastSendTicks = Stopwatch.GetTimestamp();
            who.Emit("poll_response"u8, body.AsSpan(0, n), flush: false);
            meter.CountSent();
            touched.Add(who);
        }, () =>
        {
            foreach (var c in touched)
            {
                c.Flush();
            }

            touched.Clear();
        }, cancellationToken);
        var active = sw.Elapsed.TotalSeconds;
        await DrainAsync(() => meter.Acked + meter.Errors >= sent, () => meter.Acked + meter.Errors, cancellationToken);

        string? failure = null;
        var end = JsonSerializer.SerializeToUtf8Bytes(new { pollId });
        foreach (var room in Rooms)
        {
            var endAck = await room.Host!.EmitWithAckAsync("poll_end"u8, end);
            if (!LeanClient.IsOkAck(endAck))
            {
                failure ??= $"poll_end refused in room {room.Info.RoomCode}: {Encoding.UTF8.GetString(endAck)}";
                continue;
            }

            var results = await room.Host!.EmitWithAckAsync("poll_results_request"u8, end);
            failure ??= CheckResults(room, results);
        }

        return new StepOutcome
        {
            ActiveSeconds = active,
            Units = meter.Acked,
            Lost = Math.Max(0, sent - meter.Acked - meter.Errors),
            Connections = Connections,
            CheckFailure = failure,
        };
    }

    private StepOutcome Failed(string reason) => new() { CheckFailure = reason, Connections = Connections, ActiveSeconds = 0 };

    private string? CheckResults(SimRoom room, byte[] ack)
    {
        try
        {
            using var doc = JsonDocument.Parse(ack);
            var obj = doc.RootElement[0];
            if (!obj.TryGetProperty("status", out var s) || !s.ValueEquals("ok"u8))
            {
                return $"poll_results_request refused in room {room.Info.RoomCode}: {Encoding.UTF8.GetString(ack)}";
            }

            var results = obj.GetProperty("results");
            long total = 0;
            for (var o = 0; o < OptionCount; o++)
            {
                var expected = Interlocked.Read(ref _expected[room.Index, o]);
                total += expected;
                var got = results.GetProperty($"option_{o}").GetInt64();
                if (got != expected)
                {
                    return $"room {room.Info.RoomCode}: option_{o} = {got}, expected {expected}";
                }
            }

            var totalGot = results.GetProperty("totalResponses").GetInt64();
            return totalGot == total ? null : $"room {room.Info.RoomCode}: totalResponses = {totalGot}, expected {total}";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return $"room {room.Info.RoomCode}: unreadable poll_results ({e.Message}): {Encoding.UTF8.GetString(ack)}";
        }
    }

    public override void OnEvent(LeanClient client, ReadOnlySpan<byte> name, ReadOnlySpan<byte> packet)
    {
        if (name.SequenceEqual("poll_started"u8))
        {
            var started = _started;
            if (client.Room < started.Length)
            {
                Interlocked.Increment(ref started[client.Room]);
            }
        }
        else if (name.SequenceEqual("relay_error"u8))
        {
            CountRelayError(packet);
        }
    }

    public override void OnAck(LeanClient client, int ackId, ReadOnlySpan<byte> payload)
    {
        if (client.Role != ClientRole.Audience)
        {
            return;
        }

        if (LeanClient.IsOkAck(payload))
        {
            Meter.RecordLatency(client.LastSendTicks);
            Meter.CountAcked();
            Interlocked.Increment(ref _expected[client.Room, client.Index % OptionCount]);
        }
        else
        {
            CountAckError(payload);
        }
    }
}
