using Cndr.Core.Cluster;
using Cndr.Core.Protocol;
using Cndr.Core.Store;

namespace Cndr.Core.Relay;

/// <summary>The relay's side of node coordination: dead-node releases and rooms lost from the store.</summary>
public sealed partial class RelayHandler : IClusterListener
{
    /// <inheritdoc />
    /// <remarks>
    /// Runs on the primary; every event goes to this node's members directly and to the other nodes through the bus.
    /// The webhooks of the release (reason <c>node_lost</c>) are sent here, by the primary that performed it: the dead
    /// node sends nothing any more, and the store's release is atomic, so a second primary (for a moment two nodes
    /// may both believe they are) finds nothing left to release and sends nothing.
    /// </remarks>
    public void OnNodeReleased(NodeRelease release)
    {
        ArgumentNullException.ThrowIfNull(release);
        var code = release.Code;
        _rooms.TryGet(code, out var room);
        if (release.HostConnectionId is { } hostId)
        {
            _delivery.Deliver(code, room, RelayEvents.HostDisconnected(), RoomRecipients.Players | RoomRecipients.Audience);
            Emit("host_disconnected", code, hostId, ClientRole.Host, NodeLostReason);
        }

        foreach (var clientId in release.DisconnectedPlayers)
        {
            _delivery.Deliver(code, room, RelayEvents.ClientDisconnected(RelayEvents.ClientIdJson(clientId)), RoomRecipients.Host);
            Emit("client_disconnected", code, clientId, ClientRole.Player, NodeLostReason);
        }

        foreach (var id in release.RemovedAudience)
        {
            _delivery.Deliver(code, room, RelayEvents.ClientLeft(RelayEvents.ClientIdJson(id), ClientRole.Audience, "disconnected"u8), RoomRecipients.Host);
            Emit("client_left", code, id, ClientRole.Audience, NodeLostReason);
        }
    }

    /// <summary>The webhook reason of what a dead node's release ended.</summary>
    private const string NodeLostReason = "node_lost";

    /// <inheritdoc />
    public IReadOnlyList<RoomCode> LocalRooms()
    {
        var codes = new List<RoomCode>(_rooms.Count);
        foreach (var room in _rooms.All)
        {
            codes.Add(room.Code);
        }

        return codes;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Every node serving the room finds it gone; the one that claims the loss in the store sends the
    /// <c>room_closed {reason:"lost"}</c> webhook, before this node's clients hear of the close. A room a close
    /// deleted was not lost: this check only overtook the close (its <c>room_closed</c> follows the delete on the
    /// closing node and reaches this one through the bus), so its clients are told <c>closed_by_host</c> rather
    /// than <c>lost</c> and the close's own webhook stands.
    /// </remarks>
    public void OnRoomLost(RoomCode code) => _ = CloseLostRoomAsync(code);

    private async Task CloseLostRoomAsync(RoomCode code)
    {
        var claim = RoomLossClaim.ClaimedBefore;
        try
        {
            claim = await _store.TryClaimRoomLostAsync(code).ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            RelayLog.StoreUnavailable(_logger, ex, "room_lost");
        }

        if (claim == RoomLossClaim.Closed)
        {
            _delivery.CloseHere(code, RelayEvents.RoomClosed("closed_by_host"u8));
            return;
        }

        if (claim == RoomLossClaim.Claimed)
        {
            Emit("room_closed", code, reason: RoomCloseText(RoomCloseReason.Lost));
        }

        RelayLog.RoomClosed(_logger, "room_closed", code.ToString(), "lost");
        _delivery.CloseHere(code, RelayEvents.RoomClosed("lost"u8));
    }
}
