using System.Diagnostics;
using Cndr.LoadTests.Client;
using Cndr.LoadTests.Measure;
using Cndr.LoadTests.Running;

namespace Cndr.LoadTests.Scenarios;

/// <summary>
/// R rooms × (1 host + P players); players drop their connection (TCP close, as a phone losing signal) and
/// reclaim their seat with clientId + seatToken on a new connection, at a total rate. Latency = new connect
/// → handshake_response; a reclaim counts only when the response says success and reconnected.
/// </summary>
internal sealed class ChurnScenario(Options options, TargetRuntime target) : Scenario(options, target)
{
    private LeanClient[] _players = [];
    private int[] _busy = [];

    public override string Name => "churn";

    public override string Unit => "reclaim";

    public override string RateUnit => "reclaims/s total";

    public override double DefaultRate => 50;

    public override async Task SetupAsync(Action<string> log, CancellationToken cancellationToken)
    {
        await SetupRoomsAsync(Options.Players, 0, false, log, cancellationToken);
        _players = [.. Rooms.SelectMany(r => r.Players)];
        _busy = new int[_players.Length];
        if (_players.Any(p => string.IsNullOrEmpty(p.ClientId) || string.IsNullOrEmpty(p.SeatToken)))
        {
            throw new JoinFailedException("a player's handshake_response had no clientId/seatToken");
        }
    }

    public override int Connections => Rooms.Count + _players.Count(p => !p.IsClosed);

    public override async Task<StepOutcome> RunStepAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        var meter = Meter;
        var pending = new List<Task>();
        var sw = Stopwatch.StartNew();
        await PaceAsync(plan.Rate, plan.Duration, plan.MaxCount, i =>
        {
            var idx = (int)(i % _players.Length);
            if (Interlocked.CompareExchange(ref _busy[idx], 1, 0) != 0)
            {
                return;
            }

            meter.CountSent();
            pending.Add(ReclaimAsync(idx, meter, cancellationToken));
        }, static () => { }, cancellationToken);
        await Task.WhenAll(pending);
        return new StepOutcome
        {
            ActiveSeconds = sw.Elapsed.TotalSeconds,
            Units = meter.Delivered,
            Lost = 0,
            Connections = Connections,
        };
    }

    private async Task ReclaimAsync(int idx, Meter meter, CancellationToken cancellationToken)
    {
        var old = _players[idx];
        try
        {
            old.Retired = true;
            old.Close();
            var room = Rooms[old.Room];
            var start = Stopwatch.GetTimestamp();
            var (client, result) = await LeanClient.ConnectAsync(
                Target.Endpoints[old.Node], PlayerJoin(room.Info, $"p{old.Index}", old.ClientId, old.SeatToken), Options.Handshake, this, cancellationToken);
            if (result.Success && result.Reconnected && result.ClientId == old.ClientId)
            {
                meter.RecordDelivery(start);
                client.Role = ClientRole.Player;
                client.Room = old.Room;
                client.Node = old.Node;
                client.Index = old.Index;
                client.SeatToken ??= old.SeatToken;
                _players[idx] = client;
            }
            else
            {
                client.Retired = true;
                client.Close();
                meter.CountError($"reclaim refused: {result}");
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            meter.CountError($"reclaim failed: {e.Message}");
        }
        finally
        {
            Volatile.Write(ref _busy[idx], 0);
        }
    }

    protected override bool IsExpectedClose(LeanClient client) => client.Retired;

    public override Task TeardownAsync()
    {
        foreach (var p in _players)
        {
            p.Retired = true;
            p.Close();
        }

        return base.TeardownAsync();
    }

    public override void OnEvent(LeanClient client, ReadOnlySpan<byte> name, ReadOnlySpan<byte> packet)
    {
        if (name.SequenceEqual("relay_error"u8) && !client.Retired)
        {
            CountRelayError(packet);
        }
    }

    public override void OnAck(LeanClient client, int ackId, ReadOnlySpan<byte> payload)
    {
    }
}
