using Cndr.Core.Diagnostics;
using Cndr.Core.Protocol;
using Cndr.Core.Store;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    private readonly RelayCounters _counters = new();
    private int _endingSessions;

    /// <summary>Disconnects and join unwinds still talking to the store.</summary>
    internal int EndingSessions => Volatile.Read(ref _endingSessions);

    /// <summary>What the relay has done (hot-path counters; read by the metrics exporter).</summary>
    public RelayCounters Counters => _counters;

    /// <summary>Joined connections by role, plus connections still waiting for their handshake.</summary>
    public ConnectionCounts ConnectionCounts() =>
        new(_counters.Connected(ClientRole.Host), _counters.Connected(ClientRole.Player), _counters.Connected(ClientRole.Audience), _pending.Count);

    /// <summary>Counts the local rooms (walks them: for scrapes, not the hot path).</summary>
    public RoomStats RoomStats(long idleThresholdMs)
    {
        var now = NowMs;
        int local = 0, hosted = 0, idle = 0;
        foreach (var room in _rooms.All)
        {
            local++;
            if (room.Host is null)
            {
                continue;
            }

            hosted++;
            if (now - Volatile.Read(ref room.LastTouchMs) >= idleThresholdMs)
            {
                idle++;
            }
        }

        return new RoomStats(local, hosted, idle);
    }

    /// <summary>
    /// Graceful drain (PROTOCOL §8.19): every local connection (joined or still handshaking) receives
    /// <c>server_draining {reconnectAfterMs}</c> with its own delay drawn from [0, <paramref name="reconnectJitterMs"/>),
    /// so that clients do not all come back in the same millisecond, and then its Engine.IO transport is closed
    /// (not a Socket.IO DISCONNECT: stock clients reconnect). Seats are kept: players are merely disconnected.
    /// Waits until every membership has been ended in the store (host released, seats marked disconnected,
    /// audience removed) or <paramref name="cancellationToken"/> fires; returns the connections still open then.
    /// </summary>
    public async Task<int> DrainAsync(int reconnectJitterMs, CancellationToken cancellationToken)
    {
        var sessions = new List<ClientSession>();
        foreach (var room in _rooms.All)
        {
            lock (room.Gate)
            {
                if (room.Host is { } h)
                {
                    sessions.Add(h);
                }

                sessions.AddRange(room.Players);
                sessions.AddRange(room.Audience);
            }
        }

        sessions.AddRange(_pending.Keys);
        foreach (var s in sessions)
        {
            var delay = Random.Shared.Next(Math.Max(1, reconnectJitterMs));
            RelayJson.SendOnce(s.Connection, RelayEvents.ServerDraining(delay));
            s.Connection.CloseTransport();
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var open = ConnectionCounts();
            if (open.Host + open.Player + open.Audience + open.Pending == 0 && Volatile.Read(ref _endingSessions) == 0)
            {
                return 0;
            }

            try
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        var left = ConnectionCounts();
        return (int)(left.Host + left.Player + left.Audience + left.Pending);
    }
}
