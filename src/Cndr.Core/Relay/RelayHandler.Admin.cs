using Cndr.Core.Protocol;
using Cndr.Core.Store;

namespace Cndr.Core.Relay;

/// <summary>Operator actions (admin API, monitor) that go through the relay so every node and the host are told.</summary>
public sealed partial class RelayHandler
{
    /// <summary>A poll's tally as the host's <c>poll_results</c> carries it: <c>{pollId,type,question,active,results}</c> (JSON).</summary>
    public static byte[] PollResults(PollSnapshot snapshot) => PollCodec.BuildPollResults(snapshot);

    /// <summary>
    /// Removes a member from the room on an operator's request, wherever it is connected: its store record goes
    /// first (a player's seat is freed, so its seat token no longer reclaims it), then its connection receives
    /// <c>relay_error {code:"KICKED"}</c> and is closed (locally or through the bus), and the host gets
    /// <c>client_left {reason:"kicked"}</c> (players and audience get <c>host_disconnected</c> when the host is kicked).
    /// </summary>
    public async Task<KickOutcome> KickClientAsync(RoomCode code, string clientId)
    {
        ArgumentNullException.ThrowIfNull(clientId);

        // The member may move to a new connection between the read and the compare-and-remove: read again.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var members = await _store.ListMembersAsync(code).ConfigureAwait(false);
            if (members is null)
            {
                return KickOutcome.RoomNotFound;
            }

            var member = members.FirstOrDefault(m => m.ClientId == clientId);
            if (member is null)
            {
                return KickOutcome.ClientNotFound;
            }

            if (member.ConnectionId is not { } connectionId)
            {
                return KickOutcome.NotConnected;
            }

            var now = NowMs;
            var outcome = member.Role switch
            {
                ClientRole.Player => await _store.LeavePlayerAsync(code, clientId, connectionId, now).ConfigureAwait(false),
                ClientRole.Audience => await _store.RemoveAudienceAsync(code, connectionId, now).ConfigureAwait(false),
                _ => await _store.ReleaseHostAsync(code, connectionId, now).ConfigureAwait(false),
            };
            if (outcome == ConnectionEndOutcome.NotCurrent)
            {
                continue;
            }

            if (outcome == ConnectionEndOutcome.NotFound)
            {
                return KickOutcome.ClientNotFound;
            }

            _rooms.TryGet(code, out var room);
            _delivery.Kick(code, room, connectionId, ErrorCode.Kicked);
            if (member.Role == ClientRole.Host)
            {
                _delivery.Deliver(code, room, RelayJson.Event("host_disconnected"u8, "{}"u8), RoomRecipients.Players | RoomRecipients.Audience);
                Emit("host_disconnected", code, clientId, member.Role, "kicked");
            }
            else
            {
                _delivery.Deliver(code, room, RelayEvents.ClientLeft(RelayEvents.ClientIdJson(clientId), member.Role, "kicked"u8), RoomRecipients.Host);
                Emit("client_left", code, clientId, member.Role, "kicked");
            }

            return KickOutcome.Kicked;
        }

        return KickOutcome.ClientNotFound;
    }
}
