using System.Text.Json;
using Cndr.Core.Protocol;
using Cndr.Core.Store;
using Cndr.Transport.SocketIO;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    private static readonly byte[] s_emptyObject = "{}"u8.ToArray();

    /// <summary>A parsed handshake (PROTOCOL §3).</summary>
    private sealed class HandshakeRequest
    {
        public RoomCode Code;
        public ClientRole Role;
        public string? HostKey;
        public string? Password;
        public string? ClientId;
        public string? SeatToken;
        public byte[]? Meta;
    }

    /// <summary>Connect auth is a handshake attempt when it has a <c>roomCode</c> or <c>role</c> key (PROTOCOL §8.15).</summary>
    private static bool IsHandshakeAuth(ReadOnlySpan<byte> auth)
    {
        try
        {
            var r = new Utf8JsonReader(auth);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("roomCode"u8) || r.ValueTextEquals("role"u8))
                {
                    return true;
                }

                r.Read();
                r.Skip();
            }
        }
        catch (JsonException)
        {
            // Not readable as an object: not a handshake attempt; the transport validated the packet.
        }

        return false;
    }

    /// <summary>Parses and validates a handshake object; returns <see cref="ErrorCode.None"/> or the payload error.</summary>
    private ErrorCode ParseHandshake(ReadOnlySpan<byte> json, out HandshakeRequest request)
    {
        request = new HandshakeRequest();
        var haveCode = false;
        var haveRole = false;
        Span<byte> codeBuf = stackalloc byte[RoomCode.MaxLength];
        try
        {
            var r = new Utf8JsonReader(json);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
            {
                return ErrorCode.InvalidPayload;
            }

            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                // The optional string fields share one path: null or absent keeps null, a non-string is refused.
                ref var text = ref r.ValueTextEquals("hostKey"u8) ? ref request.HostKey
                    : ref r.ValueTextEquals("password"u8) ? ref request.Password
                    : ref r.ValueTextEquals("clientId"u8) ? ref request.ClientId
                    : ref r.ValueTextEquals("seatToken"u8) ? ref request.SeatToken
                    : ref System.Runtime.CompilerServices.Unsafe.NullRef<string?>();
                if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref text))
                {
                    if (!TryReadOptionalString(ref r, out text))
                    {
                        return ErrorCode.InvalidPayload;
                    }
                }
                else if (r.ValueTextEquals("roomCode"u8))
                {
                    r.Read();
                    if (!JsonArgs.TryCopyString(ref r, codeBuf, out var n) || !RoomCode.TryParse(codeBuf[..n], _options.RoomCodeLength, out request.Code))
                    {
                        return ErrorCode.InvalidPayload;
                    }

                    r.Skip();
                    haveCode = true;
                }
                else if (r.ValueTextEquals("role"u8))
                {
                    r.Read();
                    if (r.TokenType != JsonTokenType.String)
                    {
                        return ErrorCode.InvalidPayload;
                    }

                    if (r.ValueTextEquals("host"u8))
                    {
                        request.Role = ClientRole.Host;
                    }
                    else if (r.ValueTextEquals("player"u8))
                    {
                        request.Role = ClientRole.Player;
                    }
                    else if (r.ValueTextEquals("audience"u8))
                    {
                        request.Role = ClientRole.Audience;
                    }
                    else
                    {
                        return ErrorCode.InvalidPayload;
                    }

                    haveRole = true;
                }
                else if (r.ValueTextEquals("meta"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (r.TokenType != JsonTokenType.StartObject)
                    {
                        return ErrorCode.InvalidPayload;
                    }

                    var start = (int)r.TokenStartIndex;
                    r.Skip();
                    var len = (int)r.BytesConsumed - start;
                    if (len > _options.MaxMetaBytes)
                    {
                        return ErrorCode.PayloadTooLarge;
                    }

                    request.Meta = json.Slice(start, len).ToArray();
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return ErrorCode.InvalidPayload;
        }

        if (!haveCode || !haveRole)
        {
            return ErrorCode.InvalidPayload;
        }

        switch (request.Role)
        {
            case ClientRole.Host when request.HostKey is null:
                return ErrorCode.InvalidPayload;
            case ClientRole.Player when request.ClientId is not null:
                if (!Ids.IsUuidV4(request.ClientId))
                {
                    return ErrorCode.InvalidPayload;
                }

                request.ClientId = request.ClientId.ToLowerInvariant();
                break;
        }

        return ErrorCode.None;
    }

    // A string or null/absent; any other type is INVALID_PAYLOAD.
    private static bool TryReadOptionalString(ref Utf8JsonReader r, out string? value)
    {
        r.Read();
        value = null;
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType != JsonTokenType.String)
        {
            return false;
        }

        value = r.GetString();
        return true;
    }

    private async ValueTask<ConnectDecision> ConnectWithAuthAsync(ClientSession session, ReadOnlyMemory<byte> auth)
    {
        session.State = SessionState.Joining;
        var error = ParseHandshake(auth.Span, out var request);
        JoinOutcomeInfo? info = null;
        if (error == ErrorCode.None)
        {
            (error, info) = await JoinAsync(session, request).ConfigureAwait(false);
        }

        if (info is not null)
        {
            session.PendingJoin = info;
            return ConnectDecision.Accept;
        }

        session.State = SessionState.Closed;
        LogRefusal(request, error);
        return ConnectDecision.Refuse(RelayJson.ConnectError(error));
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
            error = ParseHandshake(evt.Data.Span.Slice(start, length), out request);
        }

        if (error == ErrorCode.None)
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
        LogRefusal(request, error);
        var s = RelayJson.Scratch();
        var w = RelayJson.Writer(s);
        RelayJson.WriteErrorObject(w, error);
        w.Flush();
        SendHandshakeResponse(connection, evt.AckId, s.WrittenSpan.ToArray());
        connection.Disconnect();
    }

    private static void SendHandshakeResponse(ISocketIOConnection connection, long ackId, byte[] response)
    {
        RelayJson.SendOnce(connection, RelayJson.Event("handshake_response"u8, response));
        if (ackId >= 0)
        {
            var args = new byte[response.Length + 2];
            args[0] = (byte)'[';
            response.CopyTo(args, 1);
            args[^1] = (byte)']';
            connection.SendAck(ackId, args);
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

            var connectionId = session.Connection.Id;
            var now = NowMs;
            switch (request.Role)
            {
                case ClientRole.Host:
                    {
                        if (!Ids.SecretEquals(request.HostKey!, config.HostKey))
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
                            Log.HostNodeChanged(_logger, "host_node_changed", request.Code.ToString(), oldNode, _nodeId);
                        }
                        else if (r.PreviousConnectionId is null)
                        {
                            Log.RoomActivated(_logger, "room_activated", request.Code.ToString(), _nodeId);
                        }

                        return (ErrorCode.None, new JoinOutcomeInfo
                        {
                            Response = BuildHostResponse(session, r),
                            KickConnectionId = r.PreviousConnectionId == connectionId ? null : r.PreviousConnectionId,
                            JoinedAtMs = now,
                        });
                    }

                case ClientRole.Player:
                    {
                        if (config.HasPassword && !Ids.SecretEquals(request.Password ?? string.Empty, config.Password))
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
                            var seat = new NewSeat(clientId, Ids.Hash(seatToken), connectionId, _nodeId, request.Meta ?? s_emptyObject, now);
                            r = await _store.JoinPlayerAsync(request.Code, seat).ConfigureAwait(false);
                        }

                        if (r.Outcome != JoinOutcome.Joined)
                        {
                            return (Map(r.Outcome), null);
                        }

                        MarkJoined(session, request, clientId);
                        return (ErrorCode.None, new JoinOutcomeInfo
                        {
                            Response = BuildPlayerResponse(session, seatToken, reconnected, r),
                            KickConnectionId = r.PreviousConnectionId == connectionId ? null : r.PreviousConnectionId,
                            Meta = r.Meta,
                            Reconnected = reconnected,
                            JoinedAtMs = r.JoinedAtMs,
                        });
                    }

                default:
                    {
                        var meta = request.Meta ?? s_emptyObject;
                        var r = await _store.JoinAudienceAsync(request.Code, new AudienceJoin(connectionId, _nodeId, meta, now)).ConfigureAwait(false);
                        if (r.Outcome != JoinOutcome.Joined)
                        {
                            return (Map(r.Outcome), null);
                        }

                        MarkJoined(session, request, connectionId);
                        return (ErrorCode.None, new JoinOutcomeInfo
                        {
                            Response = BuildAudienceResponse(session, r),
                            Meta = meta,
                            JoinedAtMs = r.JoinedAtMs,
                            Polls = r.ActivePolls,
                        });
                    }
            }
        }
        catch (StoreUnavailableException ex)
        {
            Log.StoreUnavailable(_logger, ex, "handshake");
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
        var s = RelayJson.Scratch();
        var w = RelayJson.Writer(s);
        w.WriteStringValue(clientId);
        w.Flush();
        session.ClientIdJson = s.WrittenSpan.ToArray();
        session.State = SessionState.Joined;
    }

    private static ReadOnlySpan<byte> RoleName(ClientRole role) => role switch
    {
        ClientRole.Host => "host"u8,
        ClientRole.Player => "player"u8,
        _ => "audience"u8,
    };

    private static void WriteCommonResponse(Utf8JsonWriter w, ClientSession session)
    {
        w.WriteString("status"u8, "success"u8);
        Span<byte> code = stackalloc byte[RoomCode.MaxLength];
        w.WriteString("roomCode"u8, code[..session.Code.CopyTo(code)]);
        w.WriteString("role"u8, RoleName(session.Role));
        w.WriteString("clientId"u8, session.ClientId);
    }

    private static void WriteRawOrNull(Utf8JsonWriter w, ReadOnlySpan<byte> name, ReadOnlyMemory<byte> raw)
    {
        w.WritePropertyName(name);
        if (raw.IsEmpty)
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteRawValue(raw.Span, skipInputValidation: true);
        }
    }

    private static byte[] BuildHostResponse(ClientSession session, HostClaimResult r)
    {
        var s = RelayJson.Scratch();
        var w = RelayJson.Writer(s);
        w.WriteStartObject();
        WriteCommonResponse(w, session);
        w.WriteBoolean("reconnected"u8, false);
        WriteRawOrNull(w, "gameState"u8, r.GameState);
        w.WriteNumber("gameStateRev"u8, r.GameStateRev);
        w.WriteStartArray("clients"u8);
        foreach (var c in r.Clients)
        {
            w.WriteStartObject();
            w.WriteString("clientId"u8, c.ClientId);
            w.WriteString("role"u8, RoleName(c.Role));
            WriteRawOrNull(w, "meta"u8, c.Meta.IsEmpty ? s_emptyObject : c.Meta);
            w.WriteBoolean("connected"u8, c.Connected);
            w.WriteNumber("joinedAt"u8, c.JoinedAtMs);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        return s.WrittenSpan.ToArray();
    }

    private static byte[] BuildPlayerResponse(ClientSession session, string seatToken, bool reconnected, SeatJoinResult r)
    {
        var s = RelayJson.Scratch();
        var w = RelayJson.Writer(s);
        w.WriteStartObject();
        WriteCommonResponse(w, session);
        w.WriteString("seatToken"u8, seatToken);
        w.WriteBoolean("reconnected"u8, reconnected);
        WriteRawOrNull(w, "gameState"u8, r.GameState);
        w.WriteNumber("gameStateRev"u8, r.GameStateRev);
        WriteRawOrNull(w, "playerState"u8, r.PlayerState);
        w.WriteNumber("playerStateRev"u8, r.PlayerStateRev);
        w.WriteBoolean("hostConnected"u8, r.HostConnected);
        w.WriteEndObject();
        w.Flush();
        return s.WrittenSpan.ToArray();
    }

    private static byte[] BuildAudienceResponse(ClientSession session, AudienceJoinResult r)
    {
        var s = RelayJson.Scratch();
        var w = RelayJson.Writer(s);
        w.WriteStartObject();
        WriteCommonResponse(w, session);
        w.WriteBoolean("reconnected"u8, false);
        WriteRawOrNull(w, "gameState"u8, r.GameState);
        w.WriteNumber("gameStateRev"u8, r.GameStateRev);
        w.WriteStartArray("polls"u8);
        foreach (var p in r.ActivePolls)
        {
            WritePoll(w, p);
        }

        w.WriteEndArray();
        w.WriteBoolean("hostConnected"u8, r.HostConnected);
        w.WriteEndObject();
        w.Flush();
        return s.WrittenSpan.ToArray();
    }

    /// <summary>Registers a joined session in its local room, kicks what it replaced and notifies the room.</summary>
    private void Register(ClientSession session, JoinOutcomeInfo info)
    {
        session.Counted = true;
        _counters.Joined(session.Role);
        Log.ClientConnected(_logger, "client_connected", session.Code.ToString(), RoleText(session.Role), session.ClientId, _nodeId);
        var room = _rooms.Acquire(session.Code);
        session.Room = room;
        ClientSession? replaced = null;
        lock (room.Gate)
        {
            switch (session.Role)
            {
                case ClientRole.Host:
                    replaced = room.SetHost(session);
                    break;
                case ClientRole.Player:
                    replaced = room.SetPlayer(session);
                    break;
                default:
                    room.AddAudience(session);
                    break;
            }
        }

        var kickCode = session.Role == ClientRole.Host ? ErrorCode.HostReplaced : ErrorCode.SeatTakenOver;
        if (replaced is not null && replaced != session)
        {
            KickLocal(null, replaced, kickCode);
        }

        if (info.KickConnectionId is { } previous && previous != replaced?.Connection.Id)
        {
            Kick(session.Code, room, previous, kickCode);
        }

        if (session.Role == ClientRole.Host)
        {
            // Players and audience see host_connected only, also on a replacement (PROTOCOL §8.13).
            Deliver(session.Code, room, RelayJson.Event("host_connected"u8, "{}"u8), RoomRecipients.Players | RoomRecipients.Audience);
            RequestDrain(room);
            return;
        }

        var m = RelayJson.StartEvent("client_joined"u8, info.Meta.Length + 128);
        var w = RelayJson.Writer(m);
        w.WriteStartObject();
        w.WriteString("clientId"u8, session.ClientId);
        w.WriteString("role"u8, RoleName(session.Role));
        WriteRawOrNull(w, "meta"u8, info.Meta.IsEmpty ? s_emptyObject : info.Meta);
        w.WriteBoolean("reconnected"u8, info.Reconnected);
        w.WriteNumber("joinedAt"u8, info.JoinedAtMs);
        w.WriteEndObject();
        w.Flush();
        Deliver(session.Code, room, RelayJson.EndEvent(m), RoomRecipients.Host);
    }
}
