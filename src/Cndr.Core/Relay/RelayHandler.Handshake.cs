using Cndr.Core.Protocol;
using Cndr.Core.Store;
using Cndr.Transport.SocketIO;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    private async ValueTask<ConnectDecision> ConnectWithAuthAsync(ClientSession session, ReadOnlyMemory<byte> auth)
    {
        session.State = SessionState.Joining;
        var error = HandshakeCodec.Parse(auth.Span, _options.RoomCodeLength, _options.MaxMetaBytes, out var request);
        JoinOutcomeInfo? info = null;
        var retryAfter = error == ErrorCode.None ? HandshakeRetryAfter(session, request) : 0;
        if (retryAfter > 0)
        {
            error = ErrorCode.RateLimited;
        }
        else if (error == ErrorCode.None)
        {
            (error, info) = await JoinAsync(session, request).ConfigureAwait(false);
        }

        if (info is not null)
        {
            session.PendingJoin = info;
            return ConnectDecision.Accept;
        }

        session.State = SessionState.Closed;
        CountFailedHandshake(session, error);
        LogRefusal(request, error);
        return ConnectDecision.Refuse(RelayJson.ConnectError(error, retryAfter > 0 ? retryAfter : -1));
    }

    private async ValueTask HandshakeEventAsync(ClientSession session, SocketIOEvent evt)
    {
        var connection = session.Connection;
        if (session.State != SessionState.Pending)
        {
            // A second handshake: the connection and its seat stay (PROTOCOL §8.6).
            RelayJson.Fail(connection, evt.AckId, session.State == SessionState.Closed ? ErrorCode.NotJoined : ErrorCode.AlreadyJoined, "handshake"u8);
            return;
        }

        _pending.TryRemove(session, out _);
        session.State = SessionState.Joining;
        ErrorCode error;
        HandshakeRequest? request = null;
        JoinOutcomeInfo? info = null;
        var start = 0;
        var length = 0;
        var kind = evt.Attachments.Count > 0 ? ArgKind.Malformed : JsonArgs.FirstArg(evt.Data.Span, out start, out length);
        if (kind != ArgKind.Object)
        {
            error = ErrorCode.InvalidPayload;
        }
        else
        {
            error = HandshakeCodec.Parse(evt.Data.Span.Slice(start, length), _options.RoomCodeLength, _options.MaxMetaBytes, out request);
        }

        var retryAfter = error == ErrorCode.None ? HandshakeRetryAfter(session, request!) : 0;
        if (retryAfter > 0)
        {
            error = ErrorCode.RateLimited;
        }
        else if (error == ErrorCode.None)
        {
            (error, info) = await JoinAsync(session, request!).ConfigureAwait(false);
        }

        if (info is not null)
        {
            SendHandshakeResponse(connection, evt.AckId, info.Response);
            Register(session, info);
            return;
        }

        // Failed first handshake: answer, then close once the answer is flushed (PROTOCOL §8.6).
        session.State = SessionState.Closed;
        CountFailedHandshake(session, error);
        LogRefusal(request, error);
        SendHandshakeResponse(connection, evt.AckId, HandshakeCodec.ErrorResponse(error, retryAfter > 0 ? retryAfter : -1));
        connection.Disconnect();
    }

    private static void SendHandshakeResponse(ISocketIOConnection connection, long ackId, byte[] response)
    {
        RelayJson.SendOnce(connection, RelayJson.Event("handshake_response"u8, response));
        if (ackId >= 0)
        {
            connection.SendAck(ackId, HandshakeCodec.AckArgs(response));
        }
    }

    /// <summary>
    /// Runs the handshake checks in the order of PROTOCOL §8.17 and claims the role in the store.
    /// On success the session is Joined (but not yet registered locally) and the response is built.
    /// </summary>
    private async ValueTask<(ErrorCode Error, JoinOutcomeInfo? Info)> JoinAsync(ClientSession session, HandshakeRequest request)
    {
        try
        {
            var config = await _store.GetRoomConfigAsync(request.Code).ConfigureAwait(false);
            if (config is null)
            {
                return (ErrorCode.RoomNotFound, null);
            }

            // A valid sign-in token for this room and role stands in for the host key or the password.
            var signedIn = false;
            if (request.Token is not null)
            {
                if (!await SignInAsync(request).ConfigureAwait(false))
                {
                    return (ErrorCode.InvalidToken, null);
                }

                signedIn = true;
            }

            var connectionId = session.Connection.Id;
            var now = NowMs;
            switch (request.Role)
            {
                case ClientRole.Host:
                    {
                        if (!signedIn && !Ids.SecretEquals(request.HostKey ?? string.Empty, config.HostKey))
                        {
                            return (ErrorCode.InvalidHostKey, null);
                        }

                        var r = await _store.ClaimHostAsync(request.Code, connectionId, _nodeId, now).ConfigureAwait(false);
                        if (r.Outcome != JoinOutcome.Joined)
                        {
                            return (Map(r.Outcome), null);
                        }

                        MarkJoined(session, request, connectionId);
                        if (r.PreviousNodeId is { Length: > 0 } oldNode && oldNode != _nodeId)
                        {
                            RelayLog.HostNodeChanged(_logger, "host_node_changed", request.Code.ToString(), oldNode, _nodeId);
                        }
                        else if (r.PreviousConnectionId is null)
                        {
                            RelayLog.RoomActivated(_logger, "room_activated", request.Code.ToString(), _nodeId);
                        }

                        return (ErrorCode.None, new JoinOutcomeInfo
                        {
                            Response = HandshakeCodec.HostResponse(request.Code, connectionId, r),
                            KickConnectionId = r.PreviousConnectionId == connectionId ? null : r.PreviousConnectionId,
                            JoinedAtMs = now,
                        });
                    }

                case ClientRole.Player:
                    {
                        if (!signedIn && config.HasPassword && !Ids.SecretEquals(request.Password ?? string.Empty, config.Password))
                        {
                            return (ErrorCode.InvalidPassword, null);
                        }

                        SeatJoinResult r;
                        string clientId;
                        string seatToken;
                        var reconnected = request.ClientId is not null;
                        if (reconnected)
                        {
                            clientId = request.ClientId!;
                            seatToken = request.SeatToken ?? string.Empty;
                            var hash = request.SeatToken is null ? ReadOnlyMemory<byte>.Empty : Ids.Hash(request.SeatToken);
                            r = await _store.ReclaimSeatAsync(request.Code, new SeatReclaim(clientId, hash, connectionId, _nodeId, request.Meta, now)).ConfigureAwait(false);
                        }
                        else
                        {
                            clientId = Ids.NewClientId();
                            seatToken = Ids.NewSeatToken();
                            var seat = new NewSeat(clientId, Ids.Hash(seatToken), connectionId, _nodeId, request.Meta ?? RelayEvents.EmptyObject, now);
                            r = await _store.JoinPlayerAsync(request.Code, seat).ConfigureAwait(false);
                        }

                        if (r.Outcome != JoinOutcome.Joined)
                        {
                            return (Map(r.Outcome), null);
                        }

                        MarkJoined(session, request, clientId);
                        return (ErrorCode.None, new JoinOutcomeInfo
                        {
                            Response = HandshakeCodec.PlayerResponse(request.Code, clientId, seatToken, reconnected, r),
                            KickConnectionId = r.PreviousConnectionId == connectionId ? null : r.PreviousConnectionId,
                            Meta = r.Meta,
                            Reconnected = reconnected,
                            JoinedAtMs = r.JoinedAtMs,
                        });
                    }

                default:
                    {
                        var meta = request.Meta ?? RelayEvents.EmptyObject;
                        var r = await _store.JoinAudienceAsync(request.Code, new AudienceJoin(connectionId, _nodeId, meta, now)).ConfigureAwait(false);
                        if (r.Outcome != JoinOutcome.Joined)
                        {
                            return (Map(r.Outcome), null);
                        }

                        MarkJoined(session, request, connectionId);
                        return (ErrorCode.None, new JoinOutcomeInfo
                        {
                            Response = HandshakeCodec.AudienceResponse(request.Code, connectionId, r),
                            Meta = meta,
                            JoinedAtMs = r.JoinedAtMs,
                            Polls = r.ActivePolls,
                        });
                    }
            }
        }
        catch (StoreUnavailableException ex)
        {
            RelayLog.StoreUnavailable(_logger, ex, "handshake");
            return (ErrorCode.Unavailable, null);
        }
    }

    private static ErrorCode Map(JoinOutcome outcome) => outcome switch
    {
        JoinOutcome.RoomNotFound => ErrorCode.RoomNotFound,
        JoinOutcome.RoomFull => ErrorCode.RoomFull,
        JoinOutcome.SeatNotFound => ErrorCode.SeatNotFound,
        JoinOutcome.InvalidSeatToken => ErrorCode.InvalidSeatToken,
        _ => ErrorCode.Unavailable,
    };

    private static void MarkJoined(ClientSession session, HandshakeRequest request, string clientId)
    {
        session.Role = request.Role;
        session.Code = request.Code;
        session.ClientId = clientId;
        session.ClientIdJson = RelayEvents.ClientIdJson(clientId);
        session.State = SessionState.Joined;
    }

    /// <summary>Registers a joined session in its local room, kicks what it replaced and notifies the room.</summary>
    private void Register(ClientSession session, JoinOutcomeInfo info)
    {
        // Joined: the transport stops counting it against the caps on sessions not yet established.
        session.Connection.MarkEstablished();
        session.Counted = true;
        _counters.Joined(session.Role);
        RelayLog.ClientConnected(_logger, "client_connected", session.Code.ToString(), RelayEvents.RoleText(session.Role), session.ClientId, _nodeId);
        var room = _rooms.Acquire(session.Code);
        session.Room = room;
        var replaced = room.AddMember(session);
        var kickCode = session.Role == ClientRole.Host ? ErrorCode.HostReplaced : ErrorCode.SeatTakenOver;
        if (replaced is not null && replaced != session)
        {
            RoomDelivery.KickLocal(null, replaced, kickCode);
        }

        if (info.KickConnectionId is { } previous && previous != replaced?.Connection.Id)
        {
            _delivery.Kick(session.Code, room, previous, kickCode);
        }

        if (session.Role == ClientRole.Host)
        {
            // Players and audience see host_connected only, also on a replacement (PROTOCOL §8.13).
            _delivery.Deliver(session.Code, room, RelayEvents.HostConnected(), RoomRecipients.Players | RoomRecipients.Audience);
            _toHost.RequestDrain(room);
            _ = ResumePollTimersAsync(session.Code);
            return;
        }

        _delivery.Deliver(session.Code, room, RelayEvents.ClientJoined(session.ClientId, session.Role, info.Meta, info.Reconnected, info.JoinedAtMs), RoomRecipients.Host);
    }
}
