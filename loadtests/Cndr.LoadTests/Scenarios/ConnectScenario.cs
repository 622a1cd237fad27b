using System.Diagnostics;
using Cndr.LoadTests.Client;
using Cndr.LoadTests.Measure;
using Cndr.LoadTests.Running;

namespace Cndr.LoadTests.Scenarios;

/// <summary>
/// Ramp to K connections (each a full WebSocket + Socket.IO connect + room join) at a rate, hold them idle,
/// and read the server's RSS before and after: handshakes/s, handshake latency, CPU per handshake (over the
/// ramp only) and RSS per idle connection. Every step starts from zero and closes its connections at the end.
/// </summary>
internal sealed class ConnectScenario(Options options, TargetRuntime target) : Scenario(options, target)
{
    private readonly List<LeanClient> _idle = [];
    private Action<string> _log = static _ => { };

    public override string Name => "connect";

    public override string Unit => "handshake";

    public override string RateUnit => "connections/s";

    public override double DefaultRate => 500;

    public override int Connections
    {
        get
        {
            lock (_idle)
            {
                return base.Connections + _idle.Count(c => !c.IsClosed);
            }
        }
    }

    public override async Task SetupAsync(Action<string> log, CancellationToken cancellationToken)
    {
        _log = log;
        await SetupRoomsAsync(0, 0, false, log, cancellationToken);
    }

    public override async Task<StepOutcome> RunStepAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        var meter = Meter;
        var rssBefore = ProcStats.RssKb(Target.Pids);
        var cpu0 = ProcStats.CpuSplit(Target.Pids);
        var self0 = ProcStats.CpuSplit(0);
        var joins = Rooms.Select(r => Options.ConnectRole == "player" ? PlayerJoin(r.Info, "idle") : AudienceJoin(r.Info)).ToArray();
        var role = Options.ConnectRole == "player" ? ClientRole.Player : ClientRole.Audience;
        var pending = new List<Task>();
        var target = Math.Min(plan.MaxCount, Options.Connections);
        var sw = Stopwatch.StartNew();
        await PaceAsync(plan.Rate, plan.Duration, target, i =>
        {
            meter.CountSent();
            var room = (int)(i % Rooms.Count);
            pending.Add(ConnectOneAsync((int)(i % Target.Endpoints.Count), joins[room], role, room, meter, cancellationToken));
        }, static () => { }, cancellationToken);
        await Task.WhenAll(pending);
        var ramp = sw.Elapsed.TotalSeconds;
        var cpu1 = ProcStats.CpuSplit(Target.Pids);
        var self1 = ProcStats.CpuSplit(0);
        int connected;
        lock (_idle)
        {
            connected = _idle.Count;
        }

        var pings0 = LeanClient.PingsAnswered;
        if (Options.Hold > TimeSpan.Zero)
        {
            await Task.Delay(Options.Hold, cancellationToken);
        }

        // A connection the server drops in the hold (e.g. a ping not answered in time) counts as an error.
        _log($"{Target.Label}: held {Connections} idle connections for {Options.Hold.TotalSeconds:0.#} s; {LeanClient.PingsAnswered - pings0} pings answered in the hold, {meter.Errors} errors");

        var rssAfter = ProcStats.RssKb(Target.Pids);
        var outcome = new StepOutcome
        {
            ActiveSeconds = ramp,
            Units = meter.Delivered,
            Lost = 0,
            Connections = Connections,
            RssBeforeKb = rssBefore,
            RssAfterKb = rssAfter,
            CpuWindowServer = (cpu1.User - cpu0.User, cpu1.Sys - cpu0.Sys),
            CpuWindowGenerator = (self1.User - self0.User, self1.Sys - self0.Sys),
        };
        lock (_idle)
        {
            foreach (var c in _idle)
            {
                c.Retired = true;
                c.Close();
            }

            _idle.Clear();
        }

        // Let the server notice the closes before the next step measures its baseline RSS.
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(3, 0.5 + (connected / 5000.0))), cancellationToken);
        return outcome;
    }

    private async Task ConnectOneAsync(int node, byte[] join, ClientRole role, int room, Meter meter, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            var client = await JoinAsync(node, join, role, room, cancellationToken);
            meter.RecordDelivery(start);
            lock (_idle)
            {
                _idle.Add(client);
            }
        }
        catch (Exception e) when (e is JoinFailedException or IOException or System.Net.Sockets.SocketException)
        {
            meter.CountError(e.Message);
        }
    }

    protected override bool IsExpectedClose(LeanClient client) => client.Retired;

    public override Task TeardownAsync()
    {
        lock (_idle)
        {
            foreach (var c in _idle)
            {
                c.Retired = true;
                c.Close();
            }

            _idle.Clear();
        }

        return base.TeardownAsync();
    }

    public override void OnEvent(LeanClient client, ReadOnlySpan<byte> name, ReadOnlySpan<byte> packet)
    {
        if (name.SequenceEqual("relay_error"u8))
        {
            CountRelayError(packet);
        }
    }

    public override void OnAck(LeanClient client, int ackId, ReadOnlySpan<byte> payload)
    {
    }
}
