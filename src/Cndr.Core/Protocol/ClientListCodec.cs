using System.Text.Json;
using Cndr.Core.Store;

namespace Cndr.Core.Protocol;

/// <summary>
/// Members as the host sees them (PROTOCOL §3, §8.23): the <c>clients</c> entries of its <c>handshake_response</c> and the
/// pages of <c>list_clients</c>.
/// </summary>
internal static class ClientListCodec
{
    /// <summary>Writes <c>{clientId, role, meta, connected, joinedAt}</c>.</summary>
    public static void WriteClient(Utf8JsonWriter w, ClientInfo c)
    {
        w.WriteStartObject();
        w.WriteString("clientId"u8, c.ClientId);
        w.WriteString("role"u8, RelayEvents.RoleName(c.Role));
        HandshakeCodec.WriteRawOrNull(w, "meta"u8, c.Meta.IsEmpty ? RelayEvents.EmptyObject : c.Meta);
        w.WriteBoolean("connected"u8, c.Connected);
        w.WriteNumber("joinedAt"u8, c.JoinedAtMs);
        w.WriteEndObject();
    }

    /// <summary>Writes the <c>clients</c> array.</summary>
    public static void WriteClients(Utf8JsonWriter w, IReadOnlyList<ClientInfo> clients)
    {
        w.WriteStartArray("clients"u8);
        foreach (var c in clients)
        {
            WriteClient(w, c);
        }

        w.WriteEndArray();
    }

    /// <summary>
    /// One <c>list_clients</c> page, <c>{clients, nextCursor, playerCount, audienceCount}</c>, as the <c>client_list</c> event's
    /// argument (<paramref name="ack"/> false) or as the ack's arguments <c>[{"status":"ok",...}]</c> (owned bytes).
    /// </summary>
    public static byte[] Page(ClientPage page, bool ack)
    {
        var s = RelayJson.Scratch();
        var w = RelayJson.Writer(s);
        if (ack)
        {
            w.WriteStartArray();
        }

        w.WriteStartObject();
        if (ack)
        {
            w.WriteString("status"u8, "ok"u8);
        }

        WriteClients(w, page.Clients);
        if (page.NextCursor is { } next)
        {
            w.WriteString("nextCursor"u8, next);
        }
        else
        {
            w.WriteNull("nextCursor"u8);
        }

        w.WriteNumber("playerCount"u8, page.PlayerCount);
        w.WriteNumber("audienceCount"u8, page.AudienceCount);
        w.WriteEndObject();
        if (ack)
        {
            w.WriteEndArray();
        }

        w.Flush();
        return s.WrittenSpan.ToArray();
    }
}
