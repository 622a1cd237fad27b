using System.Runtime.CompilerServices;
using System.Text.Json;
using Cndr.Core.Protocol;
using Cndr.Core.Store;
using Cndr.Transport.SocketIO;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    // ---- #4 set_game_state ----

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SetGameStateAsync(ClientSession session, SocketIOEvent evt, CommandArg arg)
    {
        if (arg.Kind != ArgKind.Object || !JsonArgs.ScanFields(arg.Json.Span, "state"u8, default, out var state, out _) || !state.Found)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "set_game_state"u8);
            return;
        }

        var raw = state.Slice(arg.Json);
        var r = await _store.SetGameStateAsync(session.Code, raw, NowMs, session.Connection.Id, _delivery.HearsItself(session.Code)).ConfigureAwait(false);
        if (r.Outcome == StateWriteOutcome.NotHost)
        {
            HostReplaced(session, evt, "set_game_state"u8);
            return;
        }

        if (r.Outcome != StateWriteOutcome.Written)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.RoomNotFound, "set_game_state"u8);
            return;
        }

        // The exact bytes received, encoded once for every recipient.
        _delivery.DeliverGameState(session.Code, session.Room, RelayEvents.State(GameStatePacket.Name, raw.Span, r.Rev), r);
        RelayJson.AckOkRev(session.Connection, evt.AckId, r.Rev);
    }

    // ---- #5 set_player_state ----

    private async ValueTask SetPlayerStateAsync(ClientSession session, SocketIOEvent evt, CommandArg arg)
    {
        if (arg.Kind != ArgKind.Object || !JsonArgs.ScanFields(arg.Json.Span, "clientId"u8, "state"u8, out var idField, out var state)
            || !idField.Found || !state.Found || idField.Type != JsonTokenType.String)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "set_player_state"u8);
            return;
        }

        var clientId = ReadClientId(idField.Slice(arg.Json).Span, session.Room);
        if (clientId is null)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "set_player_state"u8);
            return;
        }

        var raw = state.Slice(arg.Json);
        var r = await _store.SetPlayerStateAsync(session.Code, clientId, raw, NowMs, session.Connection.Id).ConfigureAwait(false);
        if (r.Outcome == StateWriteOutcome.NotHost)
        {
            HostReplaced(session, evt, "set_player_state"u8);
            return;
        }

        if (r.Outcome != StateWriteOutcome.Written)
        {
            var code = r.Outcome == StateWriteOutcome.PlayerNotFound ? ErrorCode.PlayerNotFound : ErrorCode.RoomNotFound;
            RelayJson.Fail(session.Connection, evt.AckId, code, "set_player_state"u8);
            return;
        }

        if (r.PlayerConnectionId is not null)
        {
            _delivery.SendToPlayer(session.Code, session.Room!, clientId, r.PlayerConnectionId, RelayEvents.State("player_state"u8, raw.Span, r.Rev), r.Rev);
        }

        RelayJson.AckOkRev(session.Connection, evt.AckId, r.Rev);
    }

    /// <summary>
    /// The clientId of a set_player_state (a JSON string holding a UUID v4), normalised to lower case; null when
    /// invalid. A player connected to this node lends its own string (no allocation on the hot path); any other id
    /// is materialised once.
    /// </summary>
    private static string? ReadClientId(ReadOnlySpan<byte> json, LocalRoom? room)
    {
        var r = new Utf8JsonReader(json);
        r.Read();
        Span<byte> buf = stackalloc byte[36];
        if (!JsonArgs.TryCopyString(ref r, buf, out var n) || n != 36 || !Ids.IsUuidV4(buf))
        {
            return null;
        }

        for (var i = 0; i < 36; i++)
        {
            if (buf[i] is >= (byte)'A' and <= (byte)'F')
            {
                buf[i] = (byte)(buf[i] + 32);
            }
        }

        if (room is not null)
        {
            Span<char> chars = stackalloc char[36];
            for (var i = 0; i < 36; i++)
            {
                chars[i] = (char)buf[i];
            }

            lock (room.Gate)
            {
                if (room.FindPlayer(chars) is { } local)
                {
                    return local.ClientId;
                }
            }
        }

        return System.Text.Encoding.ASCII.GetString(buf);
    }

    // ---- #6 message_to_host ----

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask MessageToHostAsync(ClientSession session, SocketIOEvent evt, CommandArg arg)
    {
        if (arg.Kind != ArgKind.Object || !JsonArgs.ScanFields(arg.Json.Span, "message"u8, default, out var message, out _) || !message.Found)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "message_to_host"u8);
            return;
        }

        var outcome = await _toHost.SendAsync(session, message.Slice(arg.Json), NowMs).ConfigureAwait(false);
        switch (outcome)
        {
            case EnqueueOutcome.Queued:
                RelayJson.AckOk(session.Connection, evt.AckId);
                break;
            case EnqueueOutcome.QueueFull:
                RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.QueueFull, "message_to_host"u8);
                break;
            default:
                RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.RoomNotFound, "message_to_host"u8);
                break;
        }
    }

    // ---- #7 leave ----

    private async ValueTask LeaveAsync(ClientSession session, SocketIOEvent evt, CommandArg arg)
    {
        if (arg.Kind == ArgKind.Other)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "leave"u8);
            return;
        }

        var now = NowMs;
        var connectionId = session.Connection.Id;
        var outcome = session.Role == ClientRole.Player
            ? await _store.LeavePlayerAsync(session.Code, session.ClientId, connectionId, now).ConfigureAwait(false)
            : await _store.RemoveAudienceAsync(session.Code, connectionId, now).ConfigureAwait(false);
        session.Detached = true;
        var room = session.Room!;
        room.RemoveMember(session);
        if (outcome == ConnectionEndOutcome.Done)
        {
            _delivery.Deliver(session.Code, room, RelayEvents.ClientLeft(session.ClientIdJson, session.Role, "left"u8), RoomRecipients.Host);
            Emit("client_left", session.Code, session.ClientId, session.Role, "left");
        }

        RelayJson.AckOk(session.Connection, evt.AckId);
        session.Connection.Disconnect();
    }

    // ---- Disconnects ----

    private async Task EndSessionAsync(ClientSession session)
    {
        var room = session.Room;
        var stillLocal = room is null || room.RemoveMember(session);
        try
        {
            if (session.Detached || !stillLocal)
            {
                return;
            }

            var now = NowMs;
            var id = session.Connection.Id;
            switch (session.Role)
            {
                case ClientRole.Host:
                    if (await _store.ReleaseHostAsync(session.Code, id, now).ConfigureAwait(false) == ConnectionEndOutcome.Done && room is not null)
                    {
                        _delivery.Deliver(session.Code, room, RelayEvents.HostDisconnected(), RoomRecipients.Players | RoomRecipients.Audience);
                        Emit("host_disconnected", session.Code, session.ClientId, session.Role, "disconnected");
                    }

                    break;
                case ClientRole.Player:
                    if (await _store.DisconnectPlayerAsync(session.Code, session.ClientId, id, now).ConfigureAwait(false) == ConnectionEndOutcome.Done && room is not null)
                    {
                        _delivery.Deliver(session.Code, room, RelayEvents.ClientDisconnected(session.ClientIdJson), RoomRecipients.Host);
                        Emit("client_disconnected", session.Code, session.ClientId, session.Role, "disconnected");
                    }

                    break;
                default:
                    if (await _store.RemoveAudienceAsync(session.Code, id, now).ConfigureAwait(false) == ConnectionEndOutcome.Done && room is not null)
                    {
                        _delivery.Deliver(session.Code, room, RelayEvents.ClientLeft(session.ClientIdJson, session.Role, "disconnected"u8), RoomRecipients.Host);
                        Emit("client_left", session.Code, session.ClientId, session.Role, "disconnected");
                    }

                    break;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RelayLog.StoreUnavailable(_logger, ex, "disconnect");
        }
        finally
        {
            if (room is not null)
            {
                _rooms.Release(room);
            }

            Interlocked.Decrement(ref _endingSessions);
        }
    }

    // ---- #13 close_room ----

    private async ValueTask CloseRoomCommandAsync(ClientSession session, SocketIOEvent evt, CommandArg arg)
    {
        if (arg.Kind == ArgKind.Other)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "close_room"u8);
            return;
        }

        var outcome = await _store.DeleteRoomAsHostAsync(session.Code, session.Connection.Id).ConfigureAwait(false);
        if (outcome == ConnectionEndOutcome.NotCurrent)
        {
            HostReplaced(session, evt, "close_room"u8);
            return;
        }

        RelayJson.AckOk(session.Connection, evt.AckId);
        CloseEverywhere(session.Code, RoomCloseReason.ClosedByHost, deleted: outcome == ConnectionEndOutcome.Done);
    }

    /// <summary>
    /// The store says this connection is no longer the room's host (a newer host replaced it and its kick was lost):
    /// answer <c>HOST_REPLACED</c> and disconnect it, as the kick would have.
    /// </summary>
    private static void HostReplaced(ClientSession session, SocketIOEvent evt, ReadOnlySpan<byte> command)
    {
        if (evt.AckId >= 0)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.HostReplaced, command);
        }

        RoomDelivery.KickLocal(session.Room, session, ErrorCode.HostReplaced);
    }

    /// <summary>
    /// Closes a room (admin API, inactivity cleanup): deletes every key, then sends <c>room_closed</c> to every
    /// connection of the room on every node and disconnects them. Returns false when the room did not exist
    /// (connections still present locally are closed anyway).
    /// </summary>
    public async Task<bool> CloseRoomAsync(RoomCode code, RoomCloseReason reason)
    {
        var existed = await _store.DeleteRoomAsync(code).ConfigureAwait(false);
        CloseEverywhere(code, reason, deleted: existed);
        return existed;
    }

    /// <summary>
    /// Tells every node to close the room. The <c>room_closed</c> webhook goes out only when this call deleted the
    /// room (<paramref name="deleted"/>): the delete is atomic, so one close in the fleet reports it.
    /// </summary>
    private void CloseEverywhere(RoomCode code, RoomCloseReason reason, bool deleted)
    {
        var name = RoomCloseText(reason);
        RelayLog.RoomClosed(_logger, "room_closed", code.ToString(), name);
        if (deleted)
        {
            Emit("room_closed", code, reason: name);
        }

        _delivery.CloseEverywhere(code, RelayEvents.RoomClosed(reason == RoomCloseReason.Inactive ? "inactive"u8 : "closed_by_host"u8));
    }

    /// <summary>The reason a log line and the <c>room_closed</c> webhook give.</summary>
    private static string RoomCloseText(RoomCloseReason reason) => reason switch
    {
        RoomCloseReason.Inactive => "inactive",
        RoomCloseReason.ClosedByAdmin => "closed_by_admin",
        RoomCloseReason.Lost => "lost",
        _ => "closed_by_host",
    };
}
