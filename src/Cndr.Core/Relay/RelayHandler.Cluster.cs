using Cndr.Core.Cluster;
using Cndr.Core.Protocol;
using Cndr.Core.Store;

namespace Cndr.Core.Relay;

/// <summary>The relay's side of node coordination: dead-node releases and rooms lost from the store.</summary>
public sealed partial class RelayHandler : IClusterListener
{
    /// <inheritdoc />
    /// <remarks>Runs on the primary; every event goes to this node's members directly and to the other nodes through the bus.</remarks>
    public void OnNodeReleased(NodeRelease release)
    {
        ArgumentNullException.ThrowIfNull(release);
        var code = release.Code;
        _rooms.TryGet(code, out var room);
        if (release.HostConnectionId is not null)
        {
            _delivery.Deliver(code, room, RelayEvents.HostDisconnected(), RoomRecipients.Players | RoomRecipients.Audience);
        }

        foreach (var clientId in release.DisconnectedPlayers)
        {
            _delivery.Deliver(code, room, RelayEvents.ClientDisconnected(RelayEvents.ClientIdJson(clientId)), RoomRecipients.Host);
        }

        foreach (var id in release.RemovedAudience)
        {
            _delivery.Deliver(code, room, RelayEvents.ClientLeft(RelayEvents.ClientIdJson(id), ClientRole.Audience, "disconnected"u8), RoomRecipients.Host);
        }
    }

    /// <summary>
    /// The bus may have lost updates (its subscription reconnected, or its queue overflowed): re-read each local room's game
    /// state and send it to the room's local players and audience, so every client converges to the newest rev (clients
    /// drop a <c>game_state</c> whose rev is not newer than theirs).
    /// </summary>
    private void OnBusGap() => _ = ResyncAsync();

    private async Task ResyncAsync()
    {
        foreach (var room in _rooms.All)
        {
            try
            {
                var snapshot = await _store.GetGameStateAsync(room.Code).ConfigureAwait(false);
                if (snapshot is { Rev: > 0 })
                {
                    _delivery.SendHere(room, RelayEvents.State("game_state"u8, snapshot.State.Span, snapshot.Rev), RoomRecipients.Players | RoomRecipients.Audience);
                }
            }
            catch (StoreUnavailableException)
            {
                return; // the next gap (the reconnect) resyncs again
            }
        }
    }

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
    public void OnRoomLost(RoomCode code)
    {
        RelayLog.RoomClosed(_logger, "room_closed", code.ToString(), "lost");
        _delivery.CloseHere(code, RelayEvents.RoomClosed("lost"u8));
    }
}
