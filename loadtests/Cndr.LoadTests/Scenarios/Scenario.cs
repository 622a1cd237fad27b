using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Cndr.LoadTests.Client;
using Cndr.LoadTests.Measure;
using Cndr.LoadTests.Running;

namespace Cndr.LoadTests.Scenarios;

/// <summary>One step of a load simulation: a rate held for a duration, bounded by a count.</summary>
internal sealed record StepPlan(int Index, double Rate, TimeSpan Duration, long MaxCount, bool IsWarmup);

/// <summary>What a scenario reports about a step beyond the meter's counters.</summary>
internal sealed class StepOutcome
{
    /// <summary>Seconds the load was applied (throughput = units / this).</summary>
    public double ActiveSeconds { get; set; }

    /// <summary>Units of work done (deliveries, messages, handshakes, answers, reclaims).</summary>
    public long Units { get; set; }

    public long Lost { get; set; }

    /// <summary>A correctness check that failed (e.g. wrong poll counts); null when all passed.</summary>
    public string? CheckFailure { get; set; }

    public int Connections { get; set; }

    public long RssBeforeKb { get; set; } = -1;

    public long RssAfterKb { get; set; } = -1;

    /// <summary>Seconds over which server CPU is attributed when not the whole step (connect: the ramp only).</summary>
    public (double User, double Sys)? CpuWindowServer { get; set; }

    public (double User, double Sys)? CpuWindowGenerator { get; set; }
}

/// <summary>A room as the generator sees it: its host and its receivers.</summary>
internal sealed class SimRoom
{
    public required int Index { get; init; }

    public required RoomInfo Info { get; init; }

    public LeanClient? Host { get; set; }

    public List<LeanClient> Players { get; } = [];

    public List<LeanClient> Audience { get; } = [];

    public int Receivers => Players.Count + Audience.Count;

    public int HostNode { get; set; }
}

/// <summary>The server under test as the scenarios reach it.</summary>
internal sealed class TargetRuntime(string label, List<TargetEndpoint> endpoints, List<int> pids, string? adminToken) : IDisposable
{
    public string Label { get; } = label;

    public List<TargetEndpoint> Endpoints { get; } = endpoints;

    public List<int> Pids { get; } = pids;

    public AdminApi Admin { get; } = new(endpoints[0], adminToken);

    /// <summary>The fan-out floor (floor-sender), not a relay.</summary>
    public bool IsFloor { get; init; }

    public void Dispose() => Admin.Dispose();
}

/// <summary>
/// Base of every scenario: room setup through the admin API, connecting many clients with bounded
/// concurrency, the pacer, the drain, and the reader callbacks (which go to the current step's meter).
/// </summary>
internal abstract class Scenario : IClientHandler
{
    private Meter _meter = new();
    private volatile bool _tearingDown;

    protected Scenario(Options options, TargetRuntime target)
    {
        Options = options;
        Target = target;
    }

    protected Options Options { get; }

    protected TargetRuntime Target { get; }

    protected List<SimRoom> Rooms { get; } = [];

    protected Meter Meter => Volatile.Read(ref _meter);

    public abstract string Name { get; }

    /// <summary>The unit of work the CPU figures are per (e.g. "delivery").</summary>
    public abstract string Unit { get; }

    /// <summary>What the rate means (e.g. "updates/s per room").</summary>
    public abstract string RateUnit { get; }

    public abstract double DefaultRate { get; }

    public abstract Task SetupAsync(Action<string> log, CancellationToken cancellationToken);

    public abstract Task<StepOutcome> RunStepAsync(StepPlan plan, CancellationToken cancellationToken);

    /// <summary>The meter the readers record into from now on.</summary>
    public Meter BeginStep()
    {
        var meter = new Meter();
        Volatile.Write(ref _meter, meter);
        return meter;
    }

    /// <summary>Live connections the scenario holds.</summary>
    public virtual int Connections => Rooms.Sum(r => (r.Host is { IsClosed: false } ? 1 : 0) + r.Players.Count(c => !c.IsClosed) + r.Audience.Count(c => !c.IsClosed));

    public virtual Task TeardownAsync()
    {
        _tearingDown = true;
        foreach (var room in Rooms)
        {
            room.Host?.Close();
            foreach (var c in room.Players)
            {
                c.Close();
            }

            foreach (var c in room.Audience)
            {
                c.Close();
            }
        }

        return Task.CompletedTask;
    }

    public abstract void OnEvent(LeanClient client, ReadOnlySpan<byte> name, ReadOnlySpan<byte> packet);

    public abstract void OnAck(LeanClient client, int ackId, ReadOnlySpan<byte> payload);

    public virtual void OnClosed(LeanClient client)
    {
        if (!_tearingDown && !IsExpectedClose(client))
        {
            Meter.CountError($"connection closed ({client.Role} of room {client.Room})");
        }
    }

    protected virtual bool IsExpectedClose(LeanClient client) => false;

    protected bool TearingDown => _tearingDown;

    /// <summary>Counts a relay_error event into the meter.</summary>
    protected void CountRelayError(ReadOnlySpan<byte> packet)
    {
        var text = Encoding.UTF8.GetString(packet);
        Meter.CountError("relay_error " + (text.Length > 160 ? text[..160] : text));
    }

    protected void CountAckError(ReadOnlySpan<byte> payload)
    {
        var text = Encoding.UTF8.GetString(payload);
        Meter.CountError("ack " + (text.Length > 160 ? text[..160] : text));
    }

    // ------------------------------------------------------------ setup helpers

    protected static byte[] HostJoin(RoomInfo room) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["roomCode"] = room.RoomCode, ["role"] = "host", ["hostKey"] = room.HostKey });

    protected static byte[] PlayerJoin(RoomInfo room, string name, string? clientId = null, string? seatToken = null)
    {
        var d = new Dictionary<string, object> { ["roomCode"] = room.RoomCode, ["role"] = "player", ["meta"] = new Dictionary<string, string> { ["playerName"] = name } };
        if (room.Password is not null)
        {
            d["password"] = room.Password;
        }

        if (clientId is not null)
        {
            d["clientId"] = clientId;
            d["seatToken"] = seatToken!;
        }

        return JsonSerializer.SerializeToUtf8Bytes(d);
    }

    protected static byte[] AudienceJoin(RoomInfo room) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["roomCode"] = room.RoomCode, ["role"] = "audience" });

    /// <summary>Creates the rooms and connects hosts, players and audience (receivers spread over the nodes).</summary>
    protected async Task SetupRoomsAsync(int players, int audience, bool crossNode, Action<string> log, CancellationToken cancellationToken)
    {
        var nodes = Target.Endpoints.Count;
        for (var r = 0; r < Options.Rooms; r++)
        {
            var info = await Target.Admin.CreateRoomAsync(null, 0, 0, cancellationToken);
            Rooms.Add(new SimRoom { Index = r, Info = info, HostNode = crossNode && Options.HostsOnFirstNode ? 0 : r % nodes });
        }

        log($"{Target.Label}: created {Rooms.Count} rooms; connecting {Rooms.Count} hosts, {Rooms.Count * players} players, {Rooms.Count * audience} audience");
        var sw = Stopwatch.StartNew();
        await ForEachBoundedAsync(Rooms, Options.SetupConcurrency, async room =>
        {
            room.Host = await JoinAsync(room.HostNode, HostJoin(room.Info), ClientRole.Host, room.Index, cancellationToken);
        }, cancellationToken);

        var seats = new List<(SimRoom Room, ClientRole Role, int Index)>();
        foreach (var room in Rooms)
        {
            for (var p = 0; p < players; p++)
            {
                seats.Add((room, ClientRole.Player, p));
            }

            for (var a = 0; a < audience; a++)
            {
                seats.Add((room, ClientRole.Audience, players + a));
            }
        }

        await ForEachBoundedAsync(seats, Options.SetupConcurrency, async seat =>
        {
            var node = ReceiverNode(seat.Room.HostNode, seat.Index, nodes, crossNode);
            var join = seat.Role == ClientRole.Player ? PlayerJoin(seat.Room.Info, $"p{seat.Index}") : AudienceJoin(seat.Room.Info);
            var client = await JoinAsync(node, join, seat.Role, seat.Room.Index, cancellationToken);
            client.Index = seat.Index;
            lock (seat.Room)
            {
                (seat.Role == ClientRole.Player ? seat.Room.Players : seat.Room.Audience).Add(client);
            }
        }, cancellationToken);
        log($"{Target.Label}: {Connections} connections joined in {sw.Elapsed.TotalSeconds:F1} s");
    }

    protected static int ReceiverNode(int hostNode, int index, int nodes, bool crossNode)
    {
        if (nodes == 1)
        {
            return 0;
        }

        // crossnode: never on the host's node, so every delivery crosses Redis.
        return crossNode ? (hostNode + 1 + (index % (nodes - 1))) % nodes : index % nodes;
    }

    /// <summary>Connects and joins; throws with the server's error code when the join is refused.</summary>
    protected async Task<LeanClient> JoinAsync(int node, byte[] join, ClientRole role, int room, CancellationToken cancellationToken)
    {
        var (client, result) = await LeanClient.ConnectAsync(Target.Endpoints[node], join, Options.Handshake, this, cancellationToken);
        if (!result.Success)
        {
            client.Close();
            throw new JoinFailedException($"{role} join refused: {result}");
        }

        client.Role = role;
        client.Room = room;
        client.Node = node;
        return client;
    }

    protected static async Task ForEachBoundedAsync<T>(IReadOnlyList<T> items, int concurrency, Func<T, Task> action, CancellationToken cancellationToken)
    {
        var next = -1;
        var workers = new Task[Math.Min(concurrency, Math.Max(1, items.Count))];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < items.Count)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await action(items[i]);
                }
            }, cancellationToken);
        }

        await Task.WhenAll(workers);
    }

    // ------------------------------------------------------------ load helpers

    /// <summary>
    /// Open-model pacer on a dedicated thread: calls <paramref name="issue"/> so that <c>n</c> calls have
    /// happened by <c>n / rate</c> seconds, until the duration or the count is reached, calling
    /// <paramref name="endBatch"/> after each batch (to flush coalesced sends). Returns the count issued.
    /// </summary>
    protected static Task<long> PaceAsync(double ratePerSecond, TimeSpan duration, long maxCount, Action<long> issue, Action endBatch, CancellationToken cancellationToken)
    {
        return Task.Factory.StartNew(() =>
        {
            var sw = Stopwatch.StartNew();
            long issued = 0;
            while (!cancellationToken.IsCancellationRequested && issued < maxCount)
            {
                var elapsed = sw.Elapsed;
                if (elapsed >= duration)
                {
                    break;
                }

                var due = Math.Min(maxCount, (long)(elapsed.TotalSeconds * ratePerSecond) + 1);
                if (due > issued)
                {
                    while (issued < due)
                    {
                        issue(issued);
                        issued++;
                    }

                    endBatch();
                }

                // Sleep to the next due send (1 ms granularity at high rates; longer when idle, so the
                // generator's own overhead stays out of the figures at low rates).
                var untilNext = ((issued / ratePerSecond) - sw.Elapsed.TotalSeconds) * 1000;
                Thread.Sleep(untilNext > 2 ? (int)Math.Min(untilNext - 1, 50) : 1);
            }

            return issued;
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Waits until <paramref name="done"/> holds, or nothing changed in <see cref="Options.Drain"/>.</summary>
    protected async Task DrainAsync(Func<bool> done, Func<long> progress, CancellationToken cancellationToken)
    {
        var last = progress();
        var quietSince = Stopwatch.StartNew();
        while (!done() && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(10, cancellationToken);
            var now = progress();
            if (now != last)
            {
                last = now;
                quietSince.Restart();
            }
            else if (quietSince.Elapsed >= Options.Drain)
            {
                return;
            }
        }
    }

    /// <summary>Writes a JSON body with a send timestamp and padding: <c>{"&lt;wrapper&gt;":{"ts":T,"seq":N,"pad":"xx…"}}</c>.</summary>
    protected static int WriteTimestampedBody(Span<byte> destination, ReadOnlySpan<byte> wrapper, long seq, int targetStateBytes)
    {
        var n = 0;
        Append(destination, ref n, "{\""u8);
        Append(destination, ref n, wrapper);
        Append(destination, ref n, "\":{\"ts\":"u8);
        System.Buffers.Text.Utf8Formatter.TryFormat(Stopwatch.GetTimestamp(), destination[n..], out var w);
        n += w;
        Append(destination, ref n, ",\"seq\":"u8);
        System.Buffers.Text.Utf8Formatter.TryFormat(seq, destination[n..], out w);
        n += w;
        Append(destination, ref n, ",\"pad\":\""u8);
        var stateSoFar = n - (wrapper.Length + 4);
        var pad = Math.Max(0, targetStateBytes - stateSoFar - 2);
        destination.Slice(n, pad).Fill((byte)'x');
        n += pad;
        Append(destination, ref n, "\"}}"u8);
        return n;
    }

    private static void Append(Span<byte> destination, ref int n, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[n..]);
        n += bytes.Length;
    }
}

internal sealed class JoinFailedException(string message) : Exception(message);
