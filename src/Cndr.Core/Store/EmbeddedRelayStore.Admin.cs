namespace Cndr.Core.Store;

/// <summary>Operator queries of the embedded store (admin API, monitor).</summary>
public sealed partial class EmbeddedRelayStore
{
    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MemberInfo>?> ListMembersAsync(RoomCode code)
    {
        if (!TryGet(code, out var room))
        {
            return new((IReadOnlyList<MemberInfo>?)null);
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new((IReadOnlyList<MemberInfo>?)null);
            }

            var list = new List<MemberInfo>(room.Members.Count + 1);
            if (room.HostConnectionId is { } host)
            {
                list.Add(new MemberInfo(host, ClientRole.Host, host, room.HostNodeId, room.HostJoinedAt));
            }

            foreach (var (id, m) in room.Members)
            {
                list.Add(new MemberInfo(id, m.Role, m.ConnectionId, m.NodeId, m.JoinedAt));
            }

            list.Sort(static (a, b) => a.JoinedAtMs.CompareTo(b.JoinedAtMs));
            return new(list);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PollDefinition>> ListPollsAsync(RoomCode code)
    {
        if (!TryGet(code, out var room))
        {
            return new((IReadOnlyList<PollDefinition>)[]);
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new((IReadOnlyList<PollDefinition>)[]);
            }

            return new(room.PollOrder.Select(id => room.Polls[id].Definition).ToList());
        }
    }

    /// <inheritdoc />
    public ValueTask<GameStateSnapshot?> GetGameStateAsync(RoomCode code)
    {
        if (!TryGet(code, out var room))
        {
            return new((GameStateSnapshot?)null);
        }

        lock (room)
        {
            return new(room.Deleted ? null : new GameStateSnapshot(room.CopyGameState(), room.GameStateRev));
        }
    }

    /// <inheritdoc />
    public ValueTask<RoomStates?> GetRoomStatesAsync(RoomCode code, IReadOnlyList<string> playerIds)
    {
        ArgumentNullException.ThrowIfNull(playerIds);
        if (!TryGet(code, out var room))
        {
            return new((RoomStates?)null);
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new((RoomStates?)null);
            }

            var players = new GameStateSnapshot[playerIds.Count];
            for (var i = 0; i < players.Length; i++)
            {
                players[i] = room.Members.TryGetValue(playerIds[i], out var m) && m.Role == ClientRole.Player
                    ? new GameStateSnapshot(m.PlayerState.AsSpan(0, m.PlayerStateLength).ToArray(), m.PlayerStateRev)
                    : new GameStateSnapshot(ReadOnlyMemory<byte>.Empty, 0);
            }

            return new(new RoomStates(new GameStateSnapshot(room.CopyGameState(), room.GameStateRev), players));
        }
    }
}
