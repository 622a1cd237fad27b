using Cndr.Core.Protocol;
using Cndr.Core.Store;

namespace Cndr.Core.Relay;

/// <summary>
/// Resync instead of silence. Pub/sub is at most once: a node whose bus lost messages (a gap in <c>gameStateRev</c>, the
/// subscription connection came back, its bounded queue dropped some) or whose joining client read the room before an
/// update it then missed re-reads the room's states from the store and sends each local client what it does not have:
/// the current <c>game_state</c> to players and audience, each player's current <c>player_state</c> if newer than the
/// last one it got. One resync per room at a time; requests made meanwhile are served by one more pass.
/// </summary>
internal sealed partial class RoomDelivery
{
    private int _discarded;
    private long _resyncs;

    /// <summary>Resyncs done (one store read each).</summary>
    public long Resyncs => Interlocked.Read(ref _resyncs);

    /// <summary>Bus messages discarded since <see cref="DiscardBusMessages"/> was set (test hook).</summary>
    internal int DiscardedCount => Volatile.Read(ref _discarded);

    /// <summary>
    /// Test hook: while set, messages the bus brings are discarded as if the bus had lost them (see <see cref="ResumeBus"/>).
    /// </summary>
    internal volatile bool DiscardBusMessages;

    /// <summary>
    /// Ends <see cref="DiscardBusMessages"/>. With <paramref name="reportGap"/> the loss is reported like an overflowing bus
    /// queue does; without, it stays silent like a lost pub/sub message, for the next rev to reveal.
    /// </summary>
    internal void ResumeBus(bool reportGap)
    {
        DiscardBusMessages = false;
        if (Interlocked.Exchange(ref _discarded, 0) > 0 && reportGap)
        {
            ((IRoomBusListener)this).OnBusGap();
        }
    }

    /// <summary>Every local room may have missed messages: resync each, and drain each to-host queue.</summary>
    void IRoomBusListener.OnBusGap()
    {
        foreach (var room in rooms.All)
        {
            // A lost ToHostQueued would leave a queue undrained (an enqueue notifies only an empty queue): look at every one.
            toHost.RequestDrain(room);
            RequestResync(room);
        }
    }

    /// <summary>
    /// A session just became a member of its local room with the states its join read: sets the room's first rev, and
    /// resyncs the room if the session may have missed an update delivered here while it joined.
    /// </summary>
    public void Joined(LocalRoom room, ClientSession session, long gameStateRev, int playerStateMisses)
    {
        bool behind;
        lock (room.StateGate)
        {
            if (!room.GameRevKnown)
            {
                // The room's first member: nobody here holds anything older.
                room.GameRev = gameStateRev;
                room.GameRevKnown = true;
                behind = false;
            }
            else
            {
                behind = session.Role != ClientRole.Host && gameStateRev < room.GameRev;
            }
        }

        behind |= session.Role == ClientRole.Player && Volatile.Read(ref room.PlayerStatesSeen) != playerStateMisses;
        if (behind)
        {
            RequestResync(room);
        }
    }

    /// <summary>Asks for a resync of <paramref name="room"/>; coalesced (one in flight per room).</summary>
    public void RequestResync(LocalRoom room)
    {
        if (Interlocked.Increment(ref room.ResyncRequests) == 1)
        {
            _ = ResyncLoopAsync(room);
        }
    }

    private bool DiscardIncoming()
    {
        if (!DiscardBusMessages)
        {
            return false;
        }

        Interlocked.Increment(ref _discarded);
        return true;
    }

    private async Task ResyncLoopAsync(LocalRoom room)
    {
        await Task.Yield(); // never on the caller's thread (the bus consumer, a command)
        var served = Volatile.Read(ref room.ResyncRequests);
        while (true)
        {
            try
            {
                await ResyncAsync(room).ConfigureAwait(false);
            }
            catch (StoreUnavailableException ex)
            {
                // The connection's return reports a gap, which resyncs again.
                RelayLog.StoreUnavailable(logger, ex, "resync");
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                RelayLog.UnexpectedError(logger, ex, "resync");
            }

            // Requests that came while this pass ran get one more pass (it reads after them).
            var left = Interlocked.Add(ref room.ResyncRequests, -served);
            if (left == 0 || room.Dead)
            {
                return;
            }

            served = left;
        }
    }

    private async Task ResyncAsync(LocalRoom room)
    {
        var players = room.Players;
        if (players.Length == 0 && room.Audience.Length == 0)
        {
            return;
        }

        var ids = new string[players.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = players[i].ClientId;
        }

        var states = await store.GetRoomStatesAsync(room.Code, ids).ConfigureAwait(false);
        Interlocked.Increment(ref _resyncs);
        if (states is null)
        {
            return; // gone: the lost-room check closes it here
        }

        var game = states.Game.Rev > 0 ? RelayEvents.State("game_state"u8, states.Game.State.Span, states.Game.Rev) : null;
        var sent = 0;
        lock (room.StateGate)
        {
            // Not older than what was sent: those who have it drop the repeat, a member that joined behind gets it.
            if (game is not null && (!room.GameRevKnown || states.Game.Rev >= room.GameRev))
            {
                room.GameRev = states.Game.Rev;
                room.GameRevKnown = true;
                SendLocal(room, game, RoomRecipients.Players | RoomRecipients.Audience, null);
            }

            for (var i = 0; i < players.Length; i++)
            {
                var p = players[i];
                var s = states.Players[i];
                if (s.Rev > p.PlayerRev && !p.Detached)
                {
                    p.PlayerRev = s.Rev;
                    var m = RelayEvents.State("player_state"u8, s.State.Span, s.Rev);
                    p.Connection.Send(m);
                    m.Release();
                    sent++;
                }
            }
        }

        game?.Release();
        counters.Delivered(sent);
    }
}
