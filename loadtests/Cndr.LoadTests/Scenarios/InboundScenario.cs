using System.Diagnostics;
using Cndr.LoadTests.Client;
using Cndr.LoadTests.Running;

namespace Cndr.LoadTests.Scenarios;

/// <summary>
/// R rooms × (1 host + P players + A audience); players and audience send message_to_host at a total rate
/// (round-robin over all senders) with a send timestamp; hosts record the client_message latency.
/// Expected deliveries = acked messages.
/// </summary>
internal sealed class InboundScenario(Options options, TargetRuntime target, bool crossNode) : Scenario(options, target)
{
    private LeanClient[] _senders = [];

    public override string Name => crossNode ? "crossnode-inbound" : "inbound";

    public override string Unit => "message";

    public override string RateUnit => "messages/s total";

    public override double DefaultRate => 1000;

    public override async Task SetupAsync(Action<string> log, CancellationToken cancellationToken)
    {
        await SetupRoomsAsync(Options.Players, Options.Audience, crossNode, log, cancellationToken);
        // Interleave rooms so consecutive messages go to different hosts.
        var perRoom = Rooms.Select(r => r.Players.Concat(r.Audience).ToList()).ToList();
        var list = new List<LeanClient>();
        for (var i = 0; list.Count < perRoom.Sum(l => l.Count); i++)
        {
            foreach (var l in perRoom)
            {
                if (i < l.Count)
                {
                    list.Add(l[i]);
                }
            }
        }

        _senders = [.. list];
        if (_senders.Length == 0)
        {
            throw new ArgumentException("inbound needs --players or --audience > 0");
        }
    }

    public override async Task<StepOutcome> RunStepAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        var meter = Meter;
        var senders = _senders;
        var noAck = Options.NoAck;
        var size = Options.SizeBytes;
        var buffer = new byte[size + 128];
        var touched = new List<LeanClient>();
        var sw = Stopwatch.StartNew();
        var sent = await PaceAsync(plan.Rate, plan.Duration, plan.MaxCount, i =>
        {
            var sender = senders[(int)(i % senders.Length)];
            var n = WriteTimestampedBody(buffer, "message"u8, i, size);
            sender.Emit("message_to_host"u8, buffer.AsSpan(0, n), flush: false, withAck: !noAck);
            meter.CountSent();
            touched.Add(sender);
        }, () =>
        {
            foreach (var c in touched)
            {
                c.Flush();
            }

            touched.Clear();
        }, cancellationToken);
        var active = sw.Elapsed.TotalSeconds;
        if (noAck)
        {
            await DrainAsync(() => meter.Delivered + meter.Errors >= sent, () => meter.Delivered + meter.Errors, cancellationToken);
            return new StepOutcome
            {
                ActiveSeconds = active,
                Units = meter.Delivered,
                Lost = Math.Max(0, sent - meter.Delivered - meter.Errors),
                Connections = Connections,
            };
        }

        await DrainAsync(() => meter.Acked + meter.Errors >= sent && meter.Delivered >= meter.Acked, () => meter.Delivered + meter.Acked + meter.Errors, cancellationToken);
        return new StepOutcome
        {
            ActiveSeconds = active,
            Units = meter.Delivered,
            Lost = Math.Max(0, meter.Acked - meter.Delivered) + Math.Max(0, sent - meter.Acked - meter.Errors),
            Connections = Connections,
        };
    }

    public override void OnEvent(LeanClient client, ReadOnlySpan<byte> name, ReadOnlySpan<byte> packet)
    {
        if (name.SequenceEqual("client_message"u8))
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
        if (client.Role == ClientRole.Host)
        {
            return;
        }

        if (LeanClient.IsOkAck(payload))
        {
            Meter.CountAcked();
        }
        else
        {
            CountAckError(payload);
        }
    }
}
