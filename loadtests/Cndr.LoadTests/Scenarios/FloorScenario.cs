using System.Diagnostics;
using Cndr.LoadTests.Client;
using Cndr.LoadTests.Floor;
using Cndr.LoadTests.Running;

namespace Cndr.LoadTests.Scenarios;

/// <summary>
/// The fan-out floor (<c>--floor</c>): the same rooms, sockets and pacing as <see cref="FanoutScenario"/>, against
/// <c>cndr-load floor-sender</c> instead of a relay. Each host sends a 16-byte trigger (send time, sequence) where
/// it would emit set_game_state, in the same batches; the floor writes a pre-built game_state frame of the same
/// size to every receiver with one plain send() each. Its CPU per delivery is what the kernel's send costs on
/// this machine for this shape: the lower bound for any relay. Reported under the scenario name "fanout" so
/// the compare tables pair it with the relays' steps.
/// </summary>
internal sealed class FloorScenario(Options options, TargetRuntime target) : Scenario(options, target)
{
    public override string Name => "fanout";

    public override string Unit => "delivery";

    public override string RateUnit => "updates/s per room";

    public override double DefaultRate => 10;

    public override async Task SetupAsync(Action<string> log, CancellationToken cancellationToken)
    {
        for (var r = 0; r < Options.Rooms; r++)
        {
            Rooms.Add(new SimRoom { Index = r, Info = new RoomInfo($"floor-{r}", "", null) });
        }

        var sw = Stopwatch.StartNew();
        var endpoint = Target.Endpoints[0];
        await ForEachBoundedAsync(Rooms, Options.SetupConcurrency, async room =>
        {
            room.Host = await LeanClient.ConnectRawAsync(endpoint, Hello('H', room.Index), this, cancellationToken);
            room.Host.Role = ClientRole.Host;
            room.Host.Room = room.Index;
        }, cancellationToken);

        var seats = new List<(SimRoom Room, int Index)>();
        foreach (var room in Rooms)
        {
            for (var i = 0; i < Options.Players + Options.Audience; i++)
            {
                seats.Add((room, i));
            }
        }

        await ForEachBoundedAsync(seats, Options.SetupConcurrency, async seat =>
        {
            var client = await LeanClient.ConnectRawAsync(endpoint, Hello('R', seat.Room.Index), this, cancellationToken);
            var player = seat.Index < Options.Players;
            client.Role = player ? ClientRole.Player : ClientRole.Audience;
            client.Room = seat.Room.Index;
            client.Index = seat.Index;
            lock (seat.Room)
            {
                (player ? seat.Room.Players : seat.Room.Audience).Add(client);
            }
        }, cancellationToken);
        log($"{Target.Label}: {Connections} floor connections open in {sw.Elapsed.TotalSeconds:F1} s");
    }

    public override async Task<StepOutcome> RunStepAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        var meter = Meter;
        var rooms = Rooms;
        var touched = new List<LeanClient>(rooms.Count);
        var trigger = new byte[FloorSender.TriggerBytes];
        var sw = Stopwatch.StartNew();
        await PaceAsync(plan.Rate * rooms.Count, plan.Duration, plan.MaxCount, i =>
        {
            var room = rooms[(int)(i % rooms.Count)];
            BitConverter.TryWriteBytes(trigger.AsSpan(0, 8), Stopwatch.GetTimestamp());
            BitConverter.TryWriteBytes(trigger.AsSpan(8, 8), i);
            room.Host!.SendRaw(trigger, flush: false);
            meter.CountSent();
            meter.AddExpected(room.Receivers);
            touched.Add(room.Host);
        }, () =>
        {
            foreach (var c in touched)
            {
                c.Flush();
            }

            touched.Clear();
        }, cancellationToken);
        var active = sw.Elapsed.TotalSeconds;
        await DrainAsync(() => meter.Delivered >= meter.Expected, () => meter.Delivered, cancellationToken);
        return new StepOutcome
        {
            ActiveSeconds = active,
            Units = meter.Delivered,
            Lost = Math.Max(0, meter.Expected - meter.Delivered),
            Connections = Connections,
        };
    }

    public override void OnEvent(LeanClient client, ReadOnlySpan<byte> name, ReadOnlySpan<byte> packet)
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

    public override void OnAck(LeanClient client, int ackId, ReadOnlySpan<byte> payload)
    {
    }

    private static byte[] Hello(char role, int room)
    {
        var hello = new byte[FloorSender.HelloBytes];
        hello[0] = (byte)role;
        BitConverter.TryWriteBytes(hello.AsSpan(4), room);
        return hello;
    }
}
