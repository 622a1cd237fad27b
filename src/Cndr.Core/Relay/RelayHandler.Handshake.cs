using System.Runtime.CompilerServices;
using Cndr.Core.Protocol;
using Cndr.Core.Store;
using Cndr.Transport.SocketIO;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    /// <summary>How long a join waits for the node's subscription to its room before reading the room anyway.</summary>
    private static readonly TimeSpan s_subscribeWait = TimeSpan.FromSeconds(5);

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
            Volatile.Write(ref session.PendingJoin, info);
            bool closed;
            lock (session)
            {
                closed = session.State == SessionState.Closed;
            }

            if (!closed)
            {
                return ConnectDecision.Accept;
            }

            // Closed while joining: whoever takes the pending join undoes it.
            if (Interlocked.Exchange(ref session.PendingJoin, null) is { } taken)
            {
                Interlocked.Increment(ref _endingSessions);
                await UnwindJoinAsync(session, taken).ConfigureAwait(false);
            }

            error = ErrorCode.NotJoined;
        }

        session.State = SessionState.Closed;
        CountFailedHandshake(session, error);
        LogRefusal(request, error);
        return ConnectDecision.Refuse(RelayJson.ConnectError(error, retryAfter > 0 ? retryAfter : -1));
    }

    private async ValueTask HandshakeEventAsync(ClientSession session, SocketIOEvent evt)
    {
        var connection = session.Connection;
        SessionState state;
        lock (session)
        {
            state = session.State;
            if (state == SessionState.Pending)
            {
                session.State = SessionState.Joining;
            }
        }

        if (state != SessionState.Pending)
        {
            // A second handshake: the connection and its seat stay (PROTOCOL §8.6).
            RelayJson.Fail(connection, evt.AckId, state == SessionState.Closed ? ErrorCode.NotJoined : ErrorCode.AlreadyJoined, "handshake"u8);
            return;
        }

        _pending.TryRemove(session, out _);
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
            // Register, then reply: a connection that dies on the reply is already a member and leaves like one.
            if (Register(session, info))
            {
                SendHandshakeResponse(connection, evt.AckId, info.Response);
                Announce(session, info);
            }

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
    /// On success the session is Joined (but not yet registered locally), holds a reference on its local room, and the
    /// response is built; on failure no reference is left.
    /// </summary>
    private async ValueTask<(ErrorCode Error, JoinOutcomeInfo? Info)> JoinAsync(ClientSession session, HandshakeRequest request)
    {
        var entered = new StrongBox<LocalRoom?>();
        (ErrorCode Error, JoinOutcomeInfo? Info) result = (ErrorCode.Unavailable, null);
        try
        {
            result = await ClaimAsync(session, request, entered).ConfigureAwait(false);
            return result;
        }
        finally
        {
            if (result.Info is null && entered.Value is { } room)
            {
                _rooms.Release(room);
            }
        }
    }

    /// <summary>
    /// Subscribe before reading: takes a reference on the local room and waits (bounded) for the node's bus subscription
    /// to it, so an update published after the claim reads the room still reaches this node.
    /// </summary>
    private async ValueTask<LocalRoom> EnterRoomAsync(RoomCode code, StrongBox<LocalRoom?> entered)
    {
        var room = _rooms.Acquire(code);
        entered.Value = room;
        var subscribed = room.Subscribed;
        if (!subscribed.IsCompleted)
        {
            try
            {
                await subscribed.WaitAsync(s_subscribeWait).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The bus is down or slow: join anyway; its reconnect resyncs the room.
            }
        }

        return room;
    }

    private async ValueTask<(ErrorCode Error, JoinOutcomeInfo? Info)> ClaimAsync(ClientSession session, HandshakeRequest request, StrongBox<LocalRoom?> entered)
    {
        try
        {
            // The host key and the password are checked here, so a host or a player reads the room's config first. An
            // audience join checks nothing of it: its join script answers RoomNotFound by itself, so the join is one
            // round trip. (With a sign-in token the config is still read first, so a missing room keeps answering
            // ROOM_NOT_FOUND before INVALID_TOKEN.)
            RoomConfig? config = null;
            if (request.Role != ClientRole.Audience || request.Token is not null)
            {
                config = await _store.GetRoomConfigAsync(request.Code).ConfigureAwait(false);
                if (config is null)
                {
                    return (ErrorCode.RoomNotFound, null);
                }
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
                        if (!signedIn && !Ids.SecretEquals(request.HostKey ?? string.Empty, config!.HostKey))
                        {
                            return (ErrorCode.InvalidHostKey, null);
                        }

                        var room = await EnterRoomAsync(request.Code, entered).ConfigureAwait(false);
                        var r = await _store.ClaimHostAsync(request.Code, connectionId, _nodeId, now, _options.HandshakeAudienceLimit).ConfigureAwait(false);
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

                        if (r.FirstHost)
                        {
                            // Once per room: a host coming back after a disconnect does not activate it again.
                            Emit("room_activated", request.Code);
                        }

                        return (ErrorCode.None, new JoinOutcomeInfo
                        {
                            Response = HandshakeCodec.HostResponse(request.Code, connectionId, r),
                            Room = room,
                            GameStateRev = r.GameStateRev,
                            KickConnectionId = r.PreviousConnectionId == connectionId ? null : r.PreviousConnectionId,
                            JoinedAtMs = now,
                        });
                    }

                case ClientRole.Player:
                    {
                        if (!signedIn && config!.HasPassword && !Ids.SecretEquals(request.Password ?? string.Empty, config.Password))
                        {
                            return (ErrorCode.InvalidPassword, null);
                        }

                        SeatJoinResult r;
                        string clientId;
                        string seatToken;
                        var reconnected = request.ClientId is not null;
                        var room = await EnterRoomAsync(request.Code, entered).ConfigureAwait(false);
                        var misses = Volatile.Read(ref room.PlayerStatesSeen);
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
                            Room = room,
                            GameStateRev = r.GameStateRev,
                            PlayerStateRev = r.PlayerStateRev,
                            PlayerStatesSeen = misses,
                            KickConnectionId = r.PreviousConnectionId == connectionId ? null : r.PreviousConnectionId,
                            Meta = r.Meta,
                            Reconnected = reconnected,
                            NewSeat = !reconnected,
                            JoinedAtMs = r.JoinedAtMs,
                            HostConnected = r.HostConnected,
                        });
                    }

                default:
                    {
                        var meta = request.Meta ?? RelayEvents.EmptyObject;
                        var room = await EnterRoomAsync(request.Code, entered).ConfigureAwait(false);
                        var r = await _store.JoinAudienceAsync(request.Code, new AudienceJoin(connectionId, _nodeId, meta, now)).ConfigureAwait(false);
                        if (r.Outcome != JoinOutcome.Joined)
                        {
                            return (Map(r.Outcome), null);
                        }

                        MarkJoined(session, request, connectionId);
                        return (ErrorCode.None, new JoinOutcomeInfo
                        {
                            Response = HandshakeCodec.AudienceResponse(request.Code, connectionId, r),
                            Room = room,
                            GameStateRev = r.GameStateRev,
                            Meta = meta,
                            JoinedAtMs = r.JoinedAtMs,
                            Polls = r.ActivePolls,
                            HostConnected = r.HostConnected,
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
    }

    /// <summary>
    /// Makes a session whose claim the store granted a member of its local room and kicks what it replaced. False
    /// when the connection closed during the join: then the claim is undone and nothing is sent.
    /// </summary>
    private bool Register(ClientSession session, JoinOutcomeInfo info)
    {
        var room = info.Room;
        session.Room = room;
        session.PlayerRev = info.PlayerStateRev; // before it can receive: an older player_state is then dropped
        var replaced = room.AddMember(session);
        bool joined;
        lock (session)
        {
            joined = session.State == SessionState.Joining;
            if (joined)
            {
                session.State = SessionState.Joined;
                session.Counted = true;
            }
        }

        if (!joined)
        {
            room.RemoveMember(session);
            session.Room = null;
            Interlocked.Increment(ref _endingSessions);
            _ = UnwindJoinAsync(session, info);
            return false;
        }

        // Joined: the transport stops counting it against the caps on sessions not yet established.
        session.Connection.MarkEstablished();
        _delivery.Joined(room, session, info.GameStateRev, info.PlayerStatesSeen);
        _counters.Joined(session.Role);
        RelayLog.ClientConnected(_logger, "client_connected", session.Code.ToString(), RelayEvents.RoleText(session.Role), session.ClientId, _nodeId);
        var kickCode = session.Role == ClientRole.Host ? ErrorCode.HostReplaced : ErrorCode.SeatTakenOver;
        if (replaced is not null && replaced != session)
        {
            RoomDelivery.KickLocal(null, replaced, kickCode);
        }

        if (info.KickConnectionId is { } previous && previous != replaced?.Connection.Id)
        {
            _delivery.Kick(session.Code, room, previous, kickCode);
        }

        return true;
    }

    /// <summary>Tells the room about a member that has its handshake response (unless it closed meanwhile).</summary>
    private void Announce(ClientSession session, JoinOutcomeInfo info)
    {
        if (session.State != SessionState.Joined || session.Room is not { } room)
        {
            return;
        }

        if (session.Role == ClientRole.Host)
        {
            // Players and audience see host_connected only, also on a replacement (PROTOCOL §8.13).
            _delivery.Deliver(session.Code, room, RelayEvents.HostConnected(), RoomRecipients.Players | RoomRecipients.Audience);
            Emit("host_connected", session.Code, session.ClientId, session.Role);
            _toHost.RequestDrain(room);
            _ = ResumePollTimersAsync(session.Code);
            return;
        }

        // With no host when the join was written, there is no host to tell on any node: a host that claims the room later
        // reads this member with its claim (handshake response). Else to the host, here or through the bus.
        if (info.HostConnected || room.Host is not null)
        {
            _delivery.Deliver(session.Code, room, RelayEvents.ClientJoined(session.ClientId, session.Role, info.Meta, info.Reconnected, info.JoinedAtMs), RoomRecipients.Host);
        }

        Emit("client_joined", session.Code, session.ClientId, session.Role, info.Reconnected ? "reconnected" : null);
    }

    /// <summary>
    /// The connection closed while its join was in flight: gives back what the store granted (host role, new seat,
    /// reclaimed seat, audience place), so the join leaves no trace. A connection the claim replaced is no longer
    /// current in the store either: it is kicked, and the room told it is gone.
    /// </summary>
    private async Task UnwindJoinAsync(ClientSession session, JoinOutcomeInfo info)
    {
        try
        {
            var code = session.Code;
            var id = session.Connection.Id;
            var now = NowMs;
            var done = session.Role switch
            {
                ClientRole.Host => await _store.ReleaseHostAsync(code, id, now).ConfigureAwait(false),
                ClientRole.Player when info.NewSeat => await _store.LeavePlayerAsync(code, session.ClientId, id, now).ConfigureAwait(false),
                ClientRole.Player => await _store.DisconnectPlayerAsync(code, session.ClientId, id, now).ConfigureAwait(false),
                _ => await _store.RemoveAudienceAsync(code, id, now).ConfigureAwait(false),
            };
            if (info.KickConnectionId is { } previous && done == ConnectionEndOutcome.Done)
            {
                _rooms.TryGet(code, out var room);
                var host = session.Role == ClientRole.Host;
                _delivery.Kick(code, room, previous, host ? ErrorCode.HostReplaced : ErrorCode.SeatTakenOver);
                _delivery.Deliver(code, room, host ? RelayEvents.HostDisconnected() : RelayEvents.ClientDisconnected(session.ClientIdJson), host ? RoomRecipients.Players | RoomRecipients.Audience : RoomRecipients.Host);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RelayLog.StoreUnavailable(_logger, ex, "join unwind");
        }
        finally
        {
            _rooms.Release(info.Room);
            Interlocked.Decrement(ref _endingSessions);
        }
    }
}
