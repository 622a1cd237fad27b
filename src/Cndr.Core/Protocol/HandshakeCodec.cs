using System.Runtime.CompilerServices;
using System.Text.Json;
using Cndr.Core.Store;

namespace Cndr.Core.Protocol;

/// <summary>
/// The handshake's payloads (PROTOCOL §3): recognising connect auth, parsing and validating the request, and
/// writing the responses for each role and for a refusal.
/// </summary>
internal static class HandshakeCodec
{
    /// <summary>Connect auth is a handshake attempt when it has a <c>roomCode</c> or <c>role</c> key (PROTOCOL §8.15).</summary>
    public static bool IsHandshakeAuth(ReadOnlySpan<byte> auth)
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
    public static ErrorCode Parse(ReadOnlySpan<byte> json, int roomCodeLength, int maxMetaBytes, out HandshakeRequest request)
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
                    : ref r.ValueTextEquals("token"u8) ? ref request.Token
                    : ref Unsafe.NullRef<string?>();
                if (!Unsafe.IsNullRef(ref text))
                {
                    if (!TryReadOptionalString(ref r, out text))
                    {
                        return ErrorCode.InvalidPayload;
                    }
                }
                else if (r.ValueTextEquals("roomCode"u8))
                {
                    r.Read();
                    if (!JsonArgs.TryCopyString(ref r, codeBuf, out var n) || !RoomCode.TryParse(codeBuf[..n], roomCodeLength, out request.Code))
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
                    if (len > maxMetaBytes)
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
            case ClientRole.Host when request.HostKey is null && request.Token is null:
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

    private static void WriteCommonResponse(Utf8JsonWriter w, RoomCode roomCode, ClientRole role, string clientId)
    {
        w.WriteString("status"u8, "success"u8);
        Span<byte> code = stackalloc byte[RoomCode.MaxLength];
        w.WriteString("roomCode"u8, code[..roomCode.CopyTo(code)]);
        w.WriteString("role"u8, RelayEvents.RoleName(role));
        w.WriteString("clientId"u8, clientId);
    }

    public static void WriteRawOrNull(Utf8JsonWriter w, ReadOnlySpan<byte> name, ReadOnlyMemory<byte> raw)
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

    /// <summary>The host's successful handshake response.</summary>
    public static byte[] HostResponse(RoomCode code, string clientId, HostClaimResult r)
    {
        var s = RelayJson.Scratch();
        var w = RelayJson.Writer(s);
        w.WriteStartObject();
        WriteCommonResponse(w, code, ClientRole.Host, clientId);
        w.WriteBoolean("reconnected"u8, false);
        WriteRawOrNull(w, "gameState"u8, r.GameState);
        w.WriteNumber("gameStateRev"u8, r.GameStateRev);
        ClientListCodec.WriteClients(w, r.Clients);
        w.WriteNumber("playerCount"u8, r.PlayerCount);
        w.WriteNumber("audienceCount"u8, r.AudienceCount);

        // Every player is listed; audience members beyond the limit are paged with list_clients {role:"audience", cursor}.
        var listedAudience = 0;
        foreach (var c in r.Clients)
        {
            listedAudience += c.Role == ClientRole.Audience ? 1 : 0;
        }

        var complete = listedAudience >= r.AudienceCount;
        w.WriteBoolean("clientsComplete"u8, complete);
        if (!complete && r.AudienceCursor is { } cursor)
        {
            w.WriteString("audienceCursor"u8, cursor);
        }
        else
        {
            w.WriteNull("audienceCursor"u8);
        }

        w.WriteEndObject();
        w.Flush();
        return s.WrittenSpan.ToArray();
    }

    /// <summary>A player's successful handshake response.</summary>
    public static byte[] PlayerResponse(RoomCode code, string clientId, string seatToken, bool reconnected, SeatJoinResult r)
    {
        var s = RelayJson.Scratch();
        var w = RelayJson.Writer(s);
        w.WriteStartObject();
        WriteCommonResponse(w, code, ClientRole.Player, clientId);
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

    /// <summary>An audience member's successful handshake response.</summary>
    public static byte[] AudienceResponse(RoomCode code, string clientId, AudienceJoinResult r)
    {
        var s = RelayJson.Scratch();
        var w = RelayJson.Writer(s);
        w.WriteStartObject();
        WriteCommonResponse(w, code, ClientRole.Audience, clientId);
        w.WriteBoolean("reconnected"u8, false);
        WriteRawOrNull(w, "gameState"u8, r.GameState);
        w.WriteNumber("gameStateRev"u8, r.GameStateRev);
        w.WriteStartArray("polls"u8);
        foreach (var p in r.ActivePolls)
        {
            PollCodec.WritePoll(w, p);
        }

        w.WriteEndArray();
        w.WriteBoolean("hostConnected"u8, r.HostConnected);
        w.WriteEndObject();
        w.Flush();
        return s.WrittenSpan.ToArray();
    }

    /// <summary>A refused handshake's response <c>{"status":"error","error":{...}}</c> (owned bytes).</summary>
    public static byte[] ErrorResponse(ErrorCode error, long retryAfterMs = -1)
    {
        var s = RelayJson.Scratch();
        var w = RelayJson.Writer(s);
        RelayJson.WriteErrorObject(w, error, retryAfterMs);
        w.Flush();
        return s.WrittenSpan.ToArray();
    }

    /// <summary>The ack arguments <c>[response]</c> of a handshake event.</summary>
    public static byte[] AckArgs(byte[] response)
    {
        var args = new byte[response.Length + 2];
        args[0] = (byte)'[';
        response.CopyTo(args, 1);
        args[^1] = (byte)']';
        return args;
    }
}
