using System.Diagnostics;
using Cndr.LoadTests.Client;
using Cndr.LoadTests.Running;

namespace Cndr.LoadTests.Scenarios;

/// <summary>
/// R rooms × (1 host + P players + A audience); every host sends set_game_state at F Hz with an S-byte
/// state carrying its send time; every player and audience member records the delivery latency.
/// Expected deliveries = acked updates × receivers of the room; the difference is lost.
/// </summary>
internal sealed class FanoutScenario(Options options, TargetRuntime target, bool crossNode) : Scenario(options, target)
{
    public override string Name => crossNode ? "crossnode-fanout" : "fanout";

    public override string Unit => "delivery";

    public override string RateUnit => "updates/s per room";

    public override double DefaultRate => 10;

    public override Task SetupAsync(Action<string> log, CancellationToken cancellationToken) =>
        SetupRoomsAsync(Options.Players, Options.Audience, crossNode, log, cancellationToken);

    public override async Task<StepOutcome> RunStepAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        var meter = Meter;
        var rooms = Rooms;
        var noAck = Options.NoAck;
        var size = Options.SizeBytes;
        var touched = new List<LeanClient>(rooms.Count);
        var buffer = new byte[size + 128];
        var sw = Stopwatch.StartNew();
        var sent = await PaceAsync(plan.Rate * rooms.Count, plan.Duration, plan.MaxCount, i =>
        {
            var room = rooms[(int)(i % rooms.Count)];
            var host = room.Host!;
            var n = WriteTimestampedBody(buffer, "state"u8, i, size);
            host.Emit("set_game_state"u8, buffer.AsSpan(0, n), flush: false, withAck: !noAck);
            meter.CountSent();
            if (noAck)
            {
                meter.AddExpected(room.Receivers);
            }

            touched.Add(host);
        }, () =>
        {
            foreach (var c in touched)
            {
                c.Flush();
            }

            touched.Clear();
        }, cancellationToken);
        var active = sw.Elapsed.TotalSeconds;
        await DrainAsync(() => (noAck || meter.Acked + meter.Errors >= sent) && meter.Delivered >= meter.Expected, () => meter.Delivered + meter.Acked, cancellationToken);
        var unacked = noAck ? 0 : Math.Max(0, sent - meter.Acked - meter.Errors);
        return new StepOutcome
        {
            ActiveSeconds = active,
            Units = meter.Delivered,
            Lost = Math.Max(0, meter.Expected - meter.Delivered) + (unacked * (Rooms.Count == 0 ? 0 : Rooms[0].Receivers)),
            Connections = Connections,
        };
    }

    public override void OnEvent(LeanClient client, ReadOnlySpan<byte> name, ReadOnlySpan<byte> packet)
    {
        if (name.SequenceEqual("game_state"u8))
        {
            if (LeanClient.TryFindTimestamp(packet, out var ticks))
            {
                Meter.RecordDelivery(ticks);
            }
            else
            {
                Meter.CountDelivered();
            }
        }
        else if (name.SequenceEqual("relay_error"u8))
        {
            CountRelayError(packet);
        }
    }

    public override void OnAck(LeanClient client, int ackId, ReadOnlySpan<byte> payload)
    {
        if (client.Role != ClientRole.Host)
        {
            return;
        }

        if (LeanClient.IsOkAck(payload))
        {
            Meter.CountAcked();
            Meter.AddExpected(Rooms[client.Room].Receivers);
        }
        else
        {
            CountAckError(payload);
        }
    }
}
