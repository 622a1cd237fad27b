using System.Buffers.Text;
using Cndr.Core.Store;
using Cndr.Transport;

namespace Cndr.Core.Protocol;

/// <summary>
/// The server-to-client events of PROTOCOL §4, each written once into a pooled <see cref="OutboundMessage"/>
/// that every recipient shares. Opaque payloads (state, messages, meta) are copied as the exact bytes received.
/// </summary>
internal static class RelayEvents
{
    /// <summary><c>{}</c>: the meta of a member that gave none.</summary>
    public static readonly byte[] EmptyObject = "{}"u8.ToArray();

    /// <summary>The wire name of a role.</summary>
    public static ReadOnlySpan<byte> RoleName(ClientRole role) => role switch
    {
        ClientRole.Host => "host"u8,
        ClientRole.Player => "player"u8,
        _ => "audience"u8,
    };

    /// <summary>The wire name of a role, as a string (for logs).</summary>
    public static string RoleText(ClientRole role) => role switch
    {
        ClientRole.Host => "host",
        ClientRole.Player => "player",
        _ => "audience",
    };

    /// <summary>A clientId as a JSON string literal (quotes included), encoded once per session.</summary>
    public static byte[] ClientIdJson(string clientId)
    {
        var s = RelayJson.Scratch();
        var w = RelayJson.Writer(s);
        w.WriteStringValue(clientId);
        w.Flush();
        return s.WrittenSpan.ToArray();
    }

    /// <summary><c>game_state</c> or <c>player_state</c>: <c>{"state":&lt;exact bytes received&gt;,"rev":N}</c>.</summary>
    /// <remarks>The pieces are <see cref="GameStatePacket"/>'s: a store that publishes a game state inside its write makes these bytes too.</remarks>
    public static OutboundMessage State(ReadOnlySpan<byte> name, ReadOnlySpan<byte> raw, long rev)
    {
        var m = RelayJson.StartEvent(name, raw.Length + 40);
        m.Write(GameStatePacket.StateField);
        m.Write(raw);
        m.Write(GameStatePacket.RevField);
        m.WriteInt64(rev);
        m.Write(GameStatePacket.Close.AsSpan(0, 1));
        return RelayJson.EndEvent(m);
    }

    /// <summary><c>host_connected</c> <c>{}</c>.</summary>
    public static OutboundMessage HostConnected() => RelayJson.Event("host_connected"u8, "{}"u8);

    /// <summary><c>host_disconnected</c> <c>{}</c>.</summary>
    public static OutboundMessage HostDisconnected() => RelayJson.Event("host_disconnected"u8, "{}"u8);

    /// <summary><c>client_joined</c> <c>{clientId, role, meta, reconnected, joinedAt}</c> (to the host).</summary>
    public static OutboundMessage ClientJoined(string clientId, ClientRole role, ReadOnlyMemory<byte> meta, bool reconnected, long joinedAtMs)
    {
        var m = RelayJson.StartEvent("client_joined"u8, meta.Length + 128);
        var w = RelayJson.Writer(m);
        w.WriteStartObject();
        w.WriteString("clientId"u8, clientId);
        w.WriteString("role"u8, RoleName(role));
        HandshakeCodec.WriteRawOrNull(w, "meta"u8, meta.IsEmpty ? EmptyObject : meta);
        w.WriteBoolean("reconnected"u8, reconnected);
        w.WriteNumber("joinedAt"u8, joinedAtMs);
        w.WriteEndObject();
        w.Flush();
        return RelayJson.EndEvent(m);
    }

    /// <summary><c>client_left</c> <c>{clientId, role, reason}</c> (to the host).</summary>
    public static OutboundMessage ClientLeft(ReadOnlySpan<byte> clientIdJson, ClientRole role, ReadOnlySpan<byte> reason)
    {
        var m = RelayJson.StartEvent("client_left"u8, 128);
        m.Write("{\"clientId\":"u8);
        m.Write(clientIdJson);
        m.Write(",\"role\":\""u8);
        m.Write(RoleName(role));
        m.Write("\",\"reason\":\""u8);
        m.Write(reason);
        m.Write("\"}"u8);
        return RelayJson.EndEvent(m);
    }

    /// <summary><c>client_disconnected</c> <c>{clientId, role:"player"}</c> (to the host; the seat is kept).</summary>
    public static OutboundMessage ClientDisconnected(ReadOnlySpan<byte> clientIdJson)
    {
        var m = RelayJson.StartEvent("client_disconnected"u8, 96);
        m.Write("{\"clientId\":"u8);
        m.Write(clientIdJson);
        m.Write(",\"role\":\"player\"}"u8);
        return RelayJson.EndEvent(m);
    }

    /// <summary><c>room_closed</c> <c>{reason}</c>; <paramref name="reason"/> is a wire name such as <c>closed_by_host</c>.</summary>
    public static OutboundMessage RoomClosed(ReadOnlySpan<byte> reason)
    {
        var m = RelayJson.StartEvent("room_closed"u8, reason.Length + 16);
        m.Write("{\"reason\":\""u8);
        m.Write(reason);
        m.Write("\"}"u8);
        return RelayJson.EndEvent(m);
    }

    /// <summary><c>server_draining</c> <c>{reconnectAfterMs}</c>.</summary>
    public static OutboundMessage ServerDraining(long reconnectAfterMs)
    {
        var m = RelayJson.StartEvent("server_draining"u8, 48);
        m.Write("{\"reconnectAfterMs\":"u8);
        m.WriteInt64(reconnectAfterMs);
        m.Write("}"u8);
        return RelayJson.EndEvent(m);
    }

    /// <summary>An upper bound of <see cref="WriteClientMessage"/>'s length.</summary>
    public static int ClientMessageSize(ReadOnlySpan<byte> clientIdJson, int rawLength) => rawLength + clientIdJson.Length + 96;

    /// <summary>
    /// Writes the argument of <c>client_message</c>, <c>{"clientId":..,"role":..,"message":&lt;raw&gt;,"timestamp":ms}</c>,
    /// as it is queued for the host and sent to it; returns the length.
    /// </summary>
    public static int WriteClientMessage(Span<byte> dest, ReadOnlySpan<byte> clientIdJson, ClientRole role, ReadOnlySpan<byte> raw, long timestamp)
    {
        var n = Put(dest, 0, "{\"clientId\":"u8);
        n = Put(dest, n, clientIdJson);
        n = Put(dest, n, role == ClientRole.Player ? ",\"role\":\"player\",\"message\":"u8 : ",\"role\":\"audience\",\"message\":"u8);
        n = Put(dest, n, raw);
        n = Put(dest, n, ",\"timestamp\":"u8);
        Utf8Formatter.TryFormat(timestamp, dest[n..], out var w);
        n += w;
        dest[n++] = (byte)'}';
        return n;
    }

    /// <summary>The <c>client_message</c> event straight from a sender (the host is here and nothing is queued).</summary>
    public static OutboundMessage ClientMessage(ReadOnlySpan<byte> clientIdJson, ClientRole role, ReadOnlySpan<byte> raw, long timestamp)
    {
        var size = ClientMessageSize(clientIdJson, raw.Length);
        var m = RelayJson.StartEvent("client_message"u8, size);
        m.Advance(WriteClientMessage(m.GetSpan(size), clientIdJson, role, raw, timestamp));
        return RelayJson.EndEvent(m);
    }

    /// <summary>The <c>client_message</c> event for a queued entry (written by <see cref="WriteClientMessage"/>).</summary>
    public static OutboundMessage ClientMessage(ReadOnlySpan<byte> entry) => RelayJson.Event("client_message"u8, entry);

    private static int Put(Span<byte> dest, int at, ReadOnlySpan<byte> value)
    {
        value.CopyTo(dest[at..]);
        return at + value.Length;
    }
}
