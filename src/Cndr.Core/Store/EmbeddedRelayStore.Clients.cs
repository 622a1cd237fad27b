namespace Cndr.Core.Store;

/// <summary>Paging through a room's members (the host's <c>list_clients</c>).</summary>
public sealed partial class EmbeddedRelayStore
{
    /// <inheritdoc />
    public ValueTask<ClientPageResult> ListClientsAsync(RoomCode code, ClientRole? role, string? cursor, int limit, int maxBytes, string? hostConnectionId = null)
    {
        if (!TryGet(code, out var room))
        {
            return new(new ClientPageResult(ClientPageOutcome.RoomNotFound, null));
        }

        var after = ClientCursor.TryParse(cursor, out var afterAt, out var afterId);
        lock (room)
        {
            if (room.Deleted)
            {
                return new(new ClientPageResult(ClientPageOutcome.RoomNotFound, null));
            }

            if (NotHost(room, hostConnectionId))
            {
                return new(new ClientPageResult(ClientPageOutcome.NotHost, null));
            }

            var candidates = new List<ClientInfo>();
            foreach (var (id, m) in room.Members)
            {
                if ((role is null || m.Role == role) && (!after || ClientCursor.Compare(m.JoinedAt, id, afterAt, afterId) > 0))
                {
                    candidates.Add(Info(id, m));
                }
            }

            candidates.Sort(static (a, b) => ClientCursor.Compare(a.JoinedAtMs, a.ClientId, b.JoinedAtMs, b.ClientId));
            var page = new List<ClientInfo>(Math.Min(candidates.Count, Math.Max(limit, 1)));
            var bytes = 0L;
            foreach (var c in candidates)
            {
                if (page.Count >= Math.Max(limit, 1) || (page.Count > 0 && bytes >= maxBytes))
                {
                    break;
                }

                page.Add(c);
                bytes += c.Meta.Length;
            }

            var next = page.Count < candidates.Count ? ClientCursor.Format(page[^1].JoinedAtMs, page[^1].ClientId) : null;
            return new(new ClientPageResult(ClientPageOutcome.Ok, new ClientPage(page, next, room.PlayerCount, room.AudienceCount)));
        }
    }

    private static ClientInfo Info(string id, Member m)
        => new(id, m.Role, m.Meta, m.Role == ClientRole.Audience || m.ConnectionId is not null, m.JoinedAt);
}
