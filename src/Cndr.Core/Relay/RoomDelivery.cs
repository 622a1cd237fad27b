using Cndr.Core.Diagnostics;
using Cndr.Core.Protocol;
using Cndr.Core.Store;
using Cndr.Transport;
using Microsoft.Extensions.Logging;

namespace Cndr.Core.Relay;

/// <summary>
/// Where room events go: to this node's connections of the room directly and to the other nodes once through the
/// bus, encoded once per broadcast; kicks and room closes, local or through the bus; what the bus brings from
/// other nodes; and the resync when the bus lost some of it (<c>RoomDelivery.Resync.cs</c>). One per node.
/// </summary>
internal sealed partial class RoomDelivery(IRelayStore store, IRoomBus bus, LocalRoomRegistry rooms, RelayCounters counters, ToHostDelivery toHost, ILogger logger) : IRoomBusListener
{
    /// <summary>
    /// Sends <paramref name="message"/> to the local recipients, publishes it once on the bus for other nodes,
    /// and releases the creator's reference.
    /// </summary>
    public void Deliver(RoomCode code, LocalRoom? room, OutboundMessage message, RoomRecipients recipients, string? target = null)
    {
        if (room is not null)
        {
            SendLocal(room, message, recipients, target);
        }

        // A host-only event needs no other node when the host is here (a stale host elsewhere is being kicked).
        if (recipients != RoomRecipients.Host || room?.Host is null)
        {
            bus.Publish(code, new RoomBusMessage(RoomBusKind.Deliver, recipients, target, message.Payload));
        }

        message.Release();
    }

    /// <summary>Whether this node's own subscription to the room's channel counts among its subscribers (<see cref="IRoomBus.HearsItself"/>).</summary>
    public bool HearsItself(RoomCode code) => bus.HearsItself(code);

    /// <summary>
    /// Sends <paramref name="message"/> (<c>game_state</c> of the revision <paramref name="write"/> stored) to the local players
    /// and audience unless they already have a newer one, publishes it once on the bus unless the store did with the write
    /// or no other node can receive it (<see cref="StateWriteResult.ChannelSubscribers"/>: see <see cref="IRoomBus.NeedsPublish"/>),
    /// and releases it.
    /// </summary>
    public void DeliverGameState(RoomCode code, LocalRoom? room, OutboundMessage message, in StateWriteResult write)
    {
        var rev = write.Rev;
        if (room is not null)
        {
            SendGameState(room, message, rev);
        }

        if (!write.Published && bus.NeedsPublish(code, write.ChannelSubscribers))
        {
            bus.Publish(code, new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Players | RoomRecipients.Audience, null, message.Payload, rev));
        }

        message.Release();
    }

    /// <summary>
    /// Sends <paramref name="message"/> (<c>player_state</c> of revision <paramref name="rev"/>) to one player: to its
    /// connection when that is here, else through the bus. Releases it.
    /// </summary>
    /// <param name="connectionId">The player's current connection as the store wrote the state for.</param>
    public void SendToPlayer(RoomCode code, LocalRoom room, string clientId, string connectionId, OutboundMessage message, long rev)
    {
        ClientSession? local;
        lock (room.Gate)
        {
            local = room.FindPlayer(clientId);
        }

        // A player joining here right now may have read its state before this write: its join resyncs it.
        Interlocked.Increment(ref room.PlayerStatesSeen);
        if (local is not null && local.Connection.Id == connectionId)
        {
            SendPlayerState(room, local, message, rev);
        }
        else
        {
            bus.Publish(code, new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Player, clientId, message.Payload, rev));
        }

        message.Release();
    }

    /// <summary>
    /// Removes a session from its local room, sends <c>relay_error</c> {code, command: null} and disconnects it
    /// (PROTOCOL §8.1). The session no longer touches the store (a newer connection owns its record).
    /// </summary>
    public static void KickLocal(LocalRoom? room, ClientSession session, ErrorCode code)
    {
        var packet = RelayJson.RelayError(code, default);
        KickLocal(room, session, packet);
        packet.Release();
    }

    /// <summary>Kicks a connection of the room by id: locally when it is here, else through the bus.</summary>
    public void Kick(RoomCode code, LocalRoom? room, string connectionId, ErrorCode error)
    {
        ClientSession? local = null;
        if (room is not null)
        {
            lock (room.Gate)
            {
                local = room.FindConnection(connectionId);
            }
        }

        if (local is not null)
        {
            KickLocal(room, local, error);
            return;
        }

        var packet = RelayJson.RelayError(error, default);
        bus.Publish(code, new RoomBusMessage(RoomBusKind.Kick, RoomRecipients.None, connectionId, packet.Payload));
        packet.Release();
    }

    /// <summary>
    /// Sends <paramref name="packet"/> (<c>room_closed</c>) to every connection of the room on every node and
    /// disconnects them; they no longer touch the store. Releases the packet.
    /// </summary>
    public void CloseEverywhere(RoomCode code, OutboundMessage packet)
    {
        bus.Publish(code, new RoomBusMessage(RoomBusKind.RoomClosed, RoomRecipients.None, null, packet.Payload));
        if (rooms.TryGet(code, out var room))
        {
            CloseLocal(room, packet);
        }

        packet.Release();
    }

    /// <summary>Sends <paramref name="packet"/> to this node's connections of the room and disconnects them (no bus). Releases the packet.</summary>
    public void CloseHere(RoomCode code, OutboundMessage packet)
    {
        if (rooms.TryGet(code, out var room))
        {
            CloseLocal(room, packet);
        }

        packet.Release();
    }

    /// <summary>A room update published by another node: deliver it to this node's connections of the room.</summary>
    void IRoomBusListener.OnBusMessage(RoomCode code, in RoomBusMessage message)
    {
        if (!rooms.TryGet(code, out var room) || DiscardIncoming())
        {
            return;
        }

        try
        {
            switch (message.Kind)
            {
                case RoomBusKind.Deliver when message.Rev > 0:
                    ReceiveState(room, message);
                    break;

                case RoomBusKind.Deliver:
                    {
                        // Wrapped once per receiving node, shared by every local recipient.
                        var m = Copy(message.Packet.Span);
                        SendLocal(room, m, message.Recipients, message.Target);
                        m.Release();
                        break;
                    }

                case RoomBusKind.Kick when message.Target is not null:
                    {
                        ClientSession? session;
                        lock (room.Gate)
                        {
                            session = room.FindConnection(message.Target);
                        }

                        if (session is not null)
                        {
                            var m = Copy(message.Packet.Span);
                            KickLocal(room, session, m);
                            m.Release();
                        }

                        break;
                    }

                case RoomBusKind.ToHostQueued:
                    toHost.OnQueued(room, message.Rev, message.Packet);
                    break;

                case RoomBusKind.RoomClosed:
                    {
                        var m = Copy(message.Packet.Span);
                        CloseLocal(room, m);
                        m.Release();
                        break;
                    }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RelayLog.UnexpectedError(logger, ex, "bus message");
        }
    }

    /// <summary>A <c>game_state</c> or <c>player_state</c> from the bus: delivered in rev order, stale ones dropped, a gap resynced.</summary>
    private void ReceiveState(LocalRoom room, in RoomBusMessage message)
    {
        if (message.Target is null)
        {
            var m = Copy(message.Packet.Span);
            SendGameState(room, m, message.Rev);
            m.Release();
            return;
        }

        ClientSession? player;
        lock (room.Gate)
        {
            player = room.FindPlayer(message.Target);
        }

        Interlocked.Increment(ref room.PlayerStatesSeen);
        if (player is null)
        {
            return;
        }

        var p = Copy(message.Packet.Span);
        SendPlayerState(room, player, p, message.Rev);
        p.Release();
    }

    /// <summary>
    /// Sends a <c>game_state</c> to the room's local players and audience if <paramref name="rev"/> is newer than the last
    /// one sent (a stale one is dropped); a rev that skips some asks for a resync (the bus lost the ones between).
    /// </summary>
    private void SendGameState(LocalRoom room, OutboundMessage message, long rev)
    {
        bool gap;
        lock (room.StateGate)
        {
            if (room.GameRevKnown && rev <= room.GameRev)
            {
                return;
            }

            gap = room.GameRevKnown && rev > room.GameRev + 1;
            room.GameRev = rev;
            room.GameRevKnown = true;
            SendLocal(room, message, RoomRecipients.Players | RoomRecipients.Audience, null);
        }

        if (gap)
        {
            RequestResync(room);
        }
    }

    /// <summary>Sends a <c>player_state</c> to <paramref name="player"/> if <paramref name="rev"/> is newer than the last one it got.</summary>
    private void SendPlayerState(LocalRoom room, ClientSession player, OutboundMessage message, long rev)
    {
        lock (room.StateGate)
        {
            if (rev <= player.PlayerRev)
            {
                return;
            }

            player.PlayerRev = rev;
            player.Connection.Send(message);
        }

        counters.Delivered(1);
    }

    private void SendLocal(LocalRoom room, OutboundMessage message, RoomRecipients recipients, string? target)
    {
        var sent = 0;
        if ((recipients & RoomRecipients.Host) != 0 && room.Host is { } host)
        {
            host.Connection.Send(message);
            sent++;
        }

        if ((recipients & RoomRecipients.Players) != 0)
        {
            foreach (var p in room.Players)
            {
                p.Connection.Send(message);
            }

            sent += room.Players.Length;
        }
        else if ((recipients & RoomRecipients.Player) != 0 && target is not null)
        {
            foreach (var p in room.Players)
            {
                if (p.ClientId == target)
                {
                    p.Connection.Send(message);
                    sent++;
                }
            }
        }

        if ((recipients & RoomRecipients.Audience) != 0)
        {
            foreach (var a in room.Audience)
            {
                a.Connection.Send(message);
            }

            sent += room.Audience.Length;
        }

        counters.Delivered(sent);
    }

    // Detach first: the session's disconnect must not touch the store (a newer connection owns its record).
    private static void KickLocal(LocalRoom? room, ClientSession session, OutboundMessage packet)
    {
        session.Detached = true;
        room?.RemoveMember(session);
        session.Connection.Send(packet);
        session.Connection.Disconnect();
    }

    /// <summary>Sends <paramref name="packet"/> to every local connection of the room and disconnects them; they no longer touch the store.</summary>
    private static void CloseLocal(LocalRoom room, OutboundMessage packet)
    {
        List<ClientSession> all;
        lock (room.Gate)
        {
            all = room.TakeAll();
        }

        foreach (var s in all)
        {
            s.Detached = true;
        }

        foreach (var s in all)
        {
            s.Connection.Send(packet);
            s.Connection.Disconnect();
        }
    }

    private static OutboundMessage Copy(ReadOnlySpan<byte> packet)
    {
        var m = OutboundMessage.Create(packet.Length);
        m.Write(packet);
        return m.Complete();
    }
}
