using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Cndr.Core.Store;

/// <summary>
/// The in-process store (the default when no Redis is configured): one node, same semantics as the Redis store.
/// Each room is one object guarded by its own lock, so unrelated rooms never contend; every operation is atomic
/// because it runs entirely under that lock. Every call completes synchronously.
/// </summary>
public sealed partial class EmbeddedRelayStore : IRelayStore
{
    private readonly ConcurrentDictionary<RoomCode, Room> _rooms = new();
    private const int MaxClosedMarks = 1024;
    private readonly Dictionary<RoomCode, bool> _closedMarks = [];
    private readonly Queue<RoomCode> _closedOrder = new();

    /// <inheritdoc />
    public ValueTask<CreateRoomOutcome> CreateRoomAsync(RoomCode code, RoomConfig config, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(config);
        var room = new Room(config, nowMs);
        return new(_rooms.TryAdd(code, room) ? CreateRoomOutcome.Created : CreateRoomOutcome.AlreadyExists);
    }

    /// <inheritdoc />
    public ValueTask<RoomConfig?> GetRoomConfigAsync(RoomCode code)
        => new(_rooms.TryGetValue(code, out var room) && !room.Deleted ? room.Config : null);

    /// <inheritdoc />
    public ValueTask<RoomInfo?> GetRoomInfoAsync(RoomCode code)
    {
        if (!_rooms.TryGetValue(code, out var room))
        {
            return new((RoomInfo?)null);
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new((RoomInfo?)null);
            }

            var c = room.Config;
            return new(new RoomInfo(code, c.HasPassword, c.MaxPlayers, c.MaxAudience, c.CreatedAt, room.PlayerCount,
                room.AudienceCount, room.HostConnectionId is not null, room.LastActivity, room.GameStateRev));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteRoomAsync(RoomCode code)
    {
        if (!_rooms.TryRemove(code, out var room))
        {
            return new(false);
        }

        lock (room)
        {
            room.Deleted = true;
        }

        MarkClosed(code, lost: false);
        return new(true);
    }

    /// <inheritdoc />
    public ValueTask<ConnectionEndOutcome> DeleteRoomAsHostAsync(RoomCode code, string hostConnectionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostConnectionId);
        if (!TryGet(code, out var room))
        {
            return new(ConnectionEndOutcome.NotFound);
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new(ConnectionEndOutcome.NotFound);
            }

            if (NotHost(room, hostConnectionId))
            {
                return new(ConnectionEndOutcome.NotCurrent);
            }

            // Marked under the room's lock: a host claim racing this close sees the room as gone.
            room.Deleted = true;
        }

        _rooms.TryRemove(code, out _);
        MarkClosed(code, lost: false);
        return new(ConnectionEndOutcome.Done);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RoomActivity>> ListRoomsAsync()
    {
        var list = new List<RoomActivity>();
        foreach (var (code, room) in _rooms)
        {
            lock (room)
            {
                if (!room.Deleted && room.Activated)
                {
                    list.Add(new RoomActivity(code, room.LastActivity));
                }
            }
        }

        return new(list);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<NodeRelease>> ReleaseNodeAsync(string nodeId, long nowMs)
    {
        var released = new List<NodeRelease>();
        foreach (var (code, room) in _rooms)
        {
            lock (room)
            {
                if (room.Deleted)
                {
                    continue;
                }

                string? host = null;
                if (room.HostConnectionId is not null && room.HostNodeId == nodeId)
                {
                    host = room.HostConnectionId;
                    room.HostConnectionId = null;
                    room.HostNodeId = null;
                }

                List<string>? players = null, audience = null;
                foreach (var (id, m) in room.Members)
                {
                    if (m.NodeId != nodeId || m.ConnectionId is null)
                    {
                        continue;
                    }

                    if (m.Role == ClientRole.Player)
                    {
                        m.ConnectionId = null;
                        m.NodeId = null;
                        (players ??= []).Add(id);
                    }
                    else
                    {
                        (audience ??= []).Add(id);
                    }
                }

                if (audience is not null)
                {
                    foreach (var id in audience)
                    {
                        room.Members.Remove(id);
                    }

                    room.AudienceCount -= audience.Count;
                }

                if (host is not null || players is not null || audience is not null)
                {
                    released.Add(new NodeRelease(code, host, players ?? [], audience ?? []));
                }
            }
        }

        return new(released);
    }

    /// <inheritdoc />
    public ValueTask<RoomLossClaim> TryClaimRoomLostAsync(RoomCode code) => new(MarkClosed(code, lost: true));

    /// <summary>Remembers a deleted or lost room among the last <see cref="MaxClosedMarks"/>; an existing mark stays.</summary>
    private RoomLossClaim MarkClosed(RoomCode code, bool lost)
    {
        lock (_closedMarks)
        {
            if (_closedMarks.TryGetValue(code, out var wasLost))
            {
                return wasLost ? RoomLossClaim.ClaimedBefore : RoomLossClaim.Closed;
            }

            _closedMarks.Add(code, lost);
            _closedOrder.Enqueue(code);
            if (_closedOrder.Count > MaxClosedMarks)
            {
                _closedMarks.Remove(_closedOrder.Dequeue());
            }

            return RoomLossClaim.Claimed;
        }
    }

    /// <inheritdoc />
    public ValueTask<bool[]> RoomsExistAsync(IReadOnlyList<RoomCode> codes)
    {
        var exist = new bool[codes.Count];
        for (var i = 0; i < exist.Length; i++)
        {
            exist[i] = _rooms.TryGetValue(codes[i], out var room) && !room.Deleted;
        }

        return new(exist);
    }

    /// <inheritdoc />
    public ValueTask<HostClaimResult> ClaimHostAsync(RoomCode code, string connectionId, string nodeId, long nowMs, int audienceLimit = int.MaxValue)
    {
        if (!TryGet(code, out var room))
        {
            return new(new HostClaimResult { Outcome = JoinOutcome.RoomNotFound });
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new(new HostClaimResult { Outcome = JoinOutcome.RoomNotFound });
            }

            var previous = room.HostConnectionId;
            var previousNode = room.HostNodeId;
            var firstHost = !room.HostEverClaimed;
            room.HostEverClaimed = true;
            room.HostConnectionId = connectionId;
            room.HostNodeId = nodeId;
            room.HostJoinedAt = nowMs;
            room.LastActivity = nowMs;
            var clients = new List<ClientInfo>(room.PlayerCount);
            var audience = new List<ClientInfo>();
            foreach (var (id, m) in room.Members)
            {
                (m.Role == ClientRole.Player ? clients : audience).Add(Info(id, m));
            }

            // Every held seat, then the oldest audience members up to the limit; all of them in join order.
            audience.Sort(static (a, b) => ClientCursor.Compare(a.JoinedAtMs, a.ClientId, b.JoinedAtMs, b.ClientId));
            var listed = Math.Min(audience.Count, Math.Max(audienceLimit, 0));
            clients.AddRange(audience.Take(listed));
            clients.Sort(static (a, b) => ClientCursor.Compare(a.JoinedAtMs, a.ClientId, b.JoinedAtMs, b.ClientId));
            return new(new HostClaimResult
            {
                Outcome = JoinOutcome.Joined,
                PreviousConnectionId = previous,
                PreviousNodeId = previous is null ? null : previousNode,
                FirstHost = firstHost,
                GameState = room.CopyGameState(),
                GameStateRev = room.GameStateRev,
                Clients = clients,
                PlayerCount = room.PlayerCount,
                AudienceCount = room.AudienceCount,
                AudienceCursor = listed < audience.Count && listed > 0 ? ClientCursor.Format(audience[listed - 1].JoinedAtMs, audience[listed - 1].ClientId) : null,
            });
        }
    }

    /// <inheritdoc />
    public ValueTask<ConnectionEndOutcome> ReleaseHostAsync(RoomCode code, string connectionId, long nowMs)
    {
        if (!TryGet(code, out var room))
        {
            return new(ConnectionEndOutcome.NotFound);
        }

        lock (room)
        {
            if (room.Deleted || room.HostConnectionId is null)
            {
                return new(ConnectionEndOutcome.NotFound);
            }

            if (room.HostConnectionId != connectionId)
            {
                return new(ConnectionEndOutcome.NotCurrent);
            }

            room.HostConnectionId = null;
            room.HostNodeId = null;
            room.LastActivity = nowMs;
            return new(ConnectionEndOutcome.Done);
        }
    }

    /// <inheritdoc />
    public ValueTask<SeatJoinResult> JoinPlayerAsync(RoomCode code, NewSeat seat)
    {
        if (!TryGet(code, out var room))
        {
            return new(new SeatJoinResult { Outcome = JoinOutcome.RoomNotFound });
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new(new SeatJoinResult { Outcome = JoinOutcome.RoomNotFound });
            }

            var max = room.Config.MaxPlayers;
            if (max > 0 && room.PlayerCount >= max)
            {
                return new(new SeatJoinResult { Outcome = JoinOutcome.RoomFull });
            }

            var member = new Member(ClientRole.Player, seat.Meta.ToArray(), seat.NowMs)
            {
                ConnectionId = seat.ConnectionId,
                NodeId = seat.NodeId,
                SeatTokenHash = seat.SeatTokenHash.ToArray(),
            };
            if (!room.Members.TryAdd(seat.ClientId, member))
            {
                // A clientId collision is a caller bug (UUID v4); never overwrite a held seat.
                throw new InvalidOperationException("A seat with this clientId already exists.");
            }

            room.PlayerCount++;
            room.LastActivity = seat.NowMs;
            return new(new SeatJoinResult
            {
                Outcome = JoinOutcome.Joined,
                JoinedAtMs = member.JoinedAt,
                Meta = member.Meta,
                GameState = room.CopyGameState(),
                GameStateRev = room.GameStateRev,
                HostConnected = room.HostConnectionId is not null,
            });
        }
    }

    /// <inheritdoc />
    public ValueTask<SeatJoinResult> ReclaimSeatAsync(RoomCode code, SeatReclaim reclaim)
    {
        if (!TryGet(code, out var room))
        {
            return new(new SeatJoinResult { Outcome = JoinOutcome.RoomNotFound });
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new(new SeatJoinResult { Outcome = JoinOutcome.RoomNotFound });
            }

            if (!room.Members.TryGetValue(reclaim.ClientId, out var m) || m.Role != ClientRole.Player)
            {
                return new(new SeatJoinResult { Outcome = JoinOutcome.SeatNotFound });
            }

            if (reclaim.SeatTokenHash.IsEmpty || m.SeatTokenHash is null
                || !CryptographicOperations.FixedTimeEquals(m.SeatTokenHash, reclaim.SeatTokenHash.Span))
            {
                return new(new SeatJoinResult { Outcome = JoinOutcome.InvalidSeatToken });
            }

            var previous = m.ConnectionId;
            var previousNode = m.NodeId;
            m.ConnectionId = reclaim.ConnectionId;
            m.NodeId = reclaim.NodeId;
            if (!reclaim.Meta.IsEmpty)
            {
                m.Meta = reclaim.Meta.ToArray();
            }

            room.LastActivity = reclaim.NowMs;
            return new(new SeatJoinResult
            {
                Outcome = JoinOutcome.Joined,
                JoinedAtMs = m.JoinedAt,
                Meta = m.Meta,
                PreviousConnectionId = previous,
                PreviousNodeId = previous is null ? null : previousNode,
                GameState = room.CopyGameState(),
                GameStateRev = room.GameStateRev,
                PlayerState = m.PlayerState.AsSpan(0, m.PlayerStateLength).ToArray(),
                PlayerStateRev = m.PlayerStateRev,
                HostConnected = room.HostConnectionId is not null,
            });
        }
    }

    /// <inheritdoc />
    public ValueTask<ConnectionEndOutcome> DisconnectPlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs)
        => new(EndPlayer(code, clientId, connectionId, nowMs, leave: false));

    /// <inheritdoc />
    public ValueTask<ConnectionEndOutcome> LeavePlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs)
        => new(EndPlayer(code, clientId, connectionId, nowMs, leave: true));

    private ConnectionEndOutcome EndPlayer(RoomCode code, string clientId, string connectionId, long nowMs, bool leave)
    {
        if (!TryGet(code, out var room))
        {
            return ConnectionEndOutcome.NotFound;
        }

        lock (room)
        {
            if (room.Deleted || !room.Members.TryGetValue(clientId, out var m) || m.Role != ClientRole.Player)
            {
                return ConnectionEndOutcome.NotFound;
            }

            if (m.ConnectionId != connectionId)
            {
                return ConnectionEndOutcome.NotCurrent;
            }

            if (leave)
            {
                room.Members.Remove(clientId);
                room.PlayerCount--;
            }
            else
            {
                m.ConnectionId = null;
                m.NodeId = null;
            }

            room.LastActivity = nowMs;
            return ConnectionEndOutcome.Done;
        }
    }

    /// <inheritdoc />
    public ValueTask<AudienceJoinResult> JoinAudienceAsync(RoomCode code, AudienceJoin join)
    {
        if (!TryGet(code, out var room))
        {
            return new(new AudienceJoinResult { Outcome = JoinOutcome.RoomNotFound });
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new(new AudienceJoinResult { Outcome = JoinOutcome.RoomNotFound });
            }

            var max = room.Config.MaxAudience;
            if (max > 0 && room.AudienceCount >= max)
            {
                return new(new AudienceJoinResult { Outcome = JoinOutcome.RoomFull });
            }

            var member = new Member(ClientRole.Audience, join.Meta.ToArray(), join.NowMs)
            {
                ConnectionId = join.ConnectionId,
                NodeId = join.NodeId,
            };
            if (!room.Members.TryAdd(join.ConnectionId, member))
            {
                throw new InvalidOperationException("This connection is already a member of the room.");
            }

            room.AudienceCount++;
            room.LastActivity = join.NowMs;
            var polls = new List<PollDefinition>();
            foreach (var id in room.PollOrder)
            {
                var p = room.Polls[id];
                if (p.Definition.Active)
                {
                    polls.Add(p.Definition);
                }
            }

            return new(new AudienceJoinResult
            {
                Outcome = JoinOutcome.Joined,
                JoinedAtMs = join.NowMs,
                GameState = room.CopyGameState(),
                GameStateRev = room.GameStateRev,
                HostConnected = room.HostConnectionId is not null,
                ActivePolls = polls,
            });
        }
    }

    /// <inheritdoc />
    public ValueTask<ConnectionEndOutcome> RemoveAudienceAsync(RoomCode code, string connectionId, long nowMs)
    {
        if (!TryGet(code, out var room))
        {
            return new(ConnectionEndOutcome.NotFound);
        }

        lock (room)
        {
            if (room.Deleted || !room.Members.TryGetValue(connectionId, out var m) || m.Role != ClientRole.Audience)
            {
                return new(ConnectionEndOutcome.NotFound);
            }

            room.Members.Remove(connectionId);
            room.AudienceCount--;
            room.LastActivity = nowMs;
            return new(ConnectionEndOutcome.Done);
        }
    }

    /// <inheritdoc />
    public ValueTask<StateWriteResult> SetGameStateAsync(RoomCode code, ReadOnlyMemory<byte> state, long nowMs, string? hostConnectionId = null, bool subscribedHere = false)
    {
        if (!TryGet(code, out var room))
        {
            return new(new StateWriteResult(StateWriteOutcome.RoomNotFound, 0));
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new(new StateWriteResult(StateWriteOutcome.RoomNotFound, 0));
            }

            if (NotHost(room, hostConnectionId))
            {
                return new(new StateWriteResult(StateWriteOutcome.NotHost, 0));
            }

            Store(ref room.GameState, ref room.GameStateLength, state.Span);
            room.GameStateRev++;
            room.LastActivity = nowMs;
            return new(new StateWriteResult(StateWriteOutcome.Written, room.GameStateRev));
        }
    }

    /// <inheritdoc />
    public ValueTask<StateWriteResult> SetPlayerStateAsync(RoomCode code, string clientId, ReadOnlyMemory<byte> state, long nowMs, string? hostConnectionId = null)
    {
        if (!TryGet(code, out var room))
        {
            return new(new StateWriteResult(StateWriteOutcome.RoomNotFound, 0));
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new(new StateWriteResult(StateWriteOutcome.RoomNotFound, 0));
            }

            if (NotHost(room, hostConnectionId))
            {
                return new(new StateWriteResult(StateWriteOutcome.NotHost, 0));
            }

            if (!room.Members.TryGetValue(clientId, out var m) || m.Role != ClientRole.Player)
            {
                return new(new StateWriteResult(StateWriteOutcome.PlayerNotFound, 0));
            }

            Store(ref m.PlayerState, ref m.PlayerStateLength, state.Span);
            m.PlayerStateRev++;
            room.LastActivity = nowMs;
            return new(new StateWriteResult(StateWriteOutcome.Written, m.PlayerStateRev, m.ConnectionId));
        }
    }

    /// <inheritdoc />
    public void TouchActivity(RoomCode code, long nowMs)
    {
        if (!TryGet(code, out var room))
        {
            return;
        }

        lock (room)
        {
            if (!room.Deleted && nowMs > room.LastActivity)
            {
                room.LastActivity = nowMs;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<EnqueueOutcome> EnqueueToHostAsync(RoomCode code, ReadOnlyMemory<byte> entry, int maxLength, long nowMs)
    {
        if (!TryGet(code, out var room))
        {
            return new(EnqueueOutcome.RoomNotFound);
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new(EnqueueOutcome.RoomNotFound);
            }

            if (room.ToHost.Count >= maxLength)
            {
                return new(EnqueueOutcome.QueueFull);
            }

            room.ToHost.Enqueue(entry.ToArray());
            room.LastActivity = nowMs;
            return new(EnqueueOutcome.Queued);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> PeekToHostAsync(RoomCode code, int maxCount, int maxBytes) =>
        new(TryGet(code, out var room) ? PeekToHost(room, maxCount, maxBytes) : []);

    /// <inheritdoc />
    public ValueTask<int> AckToHostAsync(RoomCode code, string hostConnectionId, int count) =>
        new(TryGet(code, out var room) ? AckToHost(room, hostConnectionId, count) : 0);

    /// <inheritdoc />
    public ValueTask<ToHostBatch> AckAndPeekToHostAsync(RoomCode code, string hostConnectionId, int ackCount, int maxCount, int maxBytes)
    {
        if (!TryGet(code, out var room))
        {
            return new(new ToHostBatch(0, [], false));
        }

        lock (room)
        {
            var removed = ackCount > 0 ? AckToHost(room, hostConnectionId, ackCount) : 0;
            var entries = removed < ackCount ? [] : PeekToHost(room, maxCount, maxBytes);
            return new(new ToHostBatch(removed, entries, removed >= ackCount && room.ToHost.Count > entries.Count));
        }
    }

    /// <inheritdoc />
    /// <remarks>Done at once: one process, where every enqueue asks the local drain itself.</remarks>
    public void AckToHostInBackground(RoomCode code, string hostConnectionId, int count, long upToSeq = 0)
    {
        if (TryGet(code, out var room))
        {
            AckToHost(room, hostConnectionId, count);
        }
    }

    /// <inheritdoc />
    /// <remarks>One process: the relay publishes on its in-process bus itself.</remarks>
    public bool EnqueueNotifies => false;

    private static IReadOnlyList<ReadOnlyMemory<byte>> PeekToHost(Room room, int maxCount, int maxBytes)
    {
        lock (room)
        {
            if (room.Deleted || maxCount <= 0 || room.ToHost.Count == 0)
            {
                return [];
            }

            var list = new List<ReadOnlyMemory<byte>>(Math.Min(maxCount, room.ToHost.Count));
            var total = 0L;
            foreach (var e in room.ToHost)
            {
                if (list.Count == maxCount || (list.Count > 0 && total + e.Length > maxBytes))
                {
                    break;
                }

                total += e.Length;
                list.Add(e);
            }

            return list;
        }
    }

    private static int AckToHost(Room room, string hostConnectionId, int count)
    {
        lock (room)
        {
            if (room.Deleted || room.HostConnectionId != hostConnectionId)
            {
                return 0;
            }

            var n = Math.Min(count, room.ToHost.Count);
            for (var i = 0; i < n; i++)
            {
                room.ToHost.Dequeue();
            }

            return n;
        }
    }

    /// <inheritdoc />
    public ValueTask<PollStartOutcome> StartPollAsync(RoomCode code, PollDefinition poll, long nowMs, string? hostConnectionId = null)
    {
        ArgumentNullException.ThrowIfNull(poll);
        if (!TryGet(code, out var room))
        {
            return new(PollStartOutcome.RoomNotFound);
        }

        lock (room)
        {
            if (room.Deleted)
            {
                return new(PollStartOutcome.RoomNotFound);
            }

            if (NotHost(room, hostConnectionId))
            {
                return new(PollStartOutcome.NotHost);
            }

            if (room.Polls.ContainsKey(poll.PollId))
            {
                return new(PollStartOutcome.PollExists);
            }

            room.Polls.Add(poll.PollId, new Poll(poll with { Active = true, StartedAtMs = nowMs, Options = [.. poll.Options] }));
            room.PollOrder.Add(poll.PollId);
            room.LastActivity = nowMs;
            return new(PollStartOutcome.Started);
        }
    }

    /// <inheritdoc />
    public ValueTask<PollOutcome> EndPollAsync(RoomCode code, string pollId, long nowMs, string? hostConnectionId = null)
    {
        if (!TryGet(code, out var room))
        {
            return new(PollOutcome.PollNotFound);
        }

        lock (room)
        {
            if (!room.Deleted && NotHost(room, hostConnectionId))
            {
                return new(PollOutcome.NotHost);
            }

            if (room.Deleted || !room.Polls.TryGetValue(pollId, out var p))
            {
                return new(PollOutcome.PollNotFound);
            }

            if (!p.Definition.Active)
            {
                return new(PollOutcome.PollNotActive);
            }

            p.Definition = p.Definition with { Active = false };
            room.LastActivity = nowMs;
            return new(PollOutcome.Ok);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PollDefinition>> GetActivePollsAsync(RoomCode code)
    {
        var polls = new List<PollDefinition>();
        if (TryGet(code, out var room))
        {
            lock (room)
            {
                foreach (var id in room.PollOrder)
                {
                    if (!room.Deleted && room.Polls[id].Definition.Active)
                    {
                        polls.Add(room.Polls[id].Definition);
                    }
                }
            }
        }

        return new(polls);
    }

    /// <inheritdoc />
    public ValueTask<PollDefinition?> GetPollAsync(RoomCode code, string pollId)
    {
        if (!TryGet(code, out var room))
        {
            return new((PollDefinition?)null);
        }

        lock (room)
        {
            return new(!room.Deleted && room.Polls.TryGetValue(pollId, out var p) ? p.Definition : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<PollOutcome> RecordPollResponseAsync(RoomCode code, string pollId, string clientId, ReadOnlyMemory<byte> response, long nowMs)
    {
        if (!TryGet(code, out var room))
        {
            return new(PollOutcome.PollNotFound);
        }

        lock (room)
        {
            if (room.Deleted || !room.Polls.TryGetValue(pollId, out var p))
            {
                return new(PollOutcome.PollNotFound);
            }

            if (!p.Definition.Active)
            {
                return new(PollOutcome.PollNotActive);
            }

            if (p.Responses.TryGetValue(clientId, out var existing) && existing.AsSpan().SequenceEqual(response.Span))
            {
                // Same answer again: nothing to copy.
            }
            else
            {
                p.Responses[clientId] = response.ToArray();
            }

            room.LastActivity = nowMs;
            return new(PollOutcome.Ok);
        }
    }

    /// <inheritdoc />
    public ValueTask<PollSnapshot?> GetPollResponsesAsync(RoomCode code, string pollId)
    {
        if (!TryGet(code, out var room))
        {
            return new((PollSnapshot?)null);
        }

        lock (room)
        {
            if (room.Deleted || !room.Polls.TryGetValue(pollId, out var p))
            {
                return new((PollSnapshot?)null);
            }

            var responses = new ReadOnlyMemory<byte>[p.Responses.Count];
            var i = 0;
            foreach (var v in p.Responses.Values)
            {
                responses[i++] = v;
            }

            return new(new PollSnapshot(p.Definition, responses));
        }
    }

    private bool TryGet(RoomCode code, out Room room) => _rooms.TryGetValue(code, out room!);

    /// <summary>A host command from a connection that is no longer the room's host (null: unchecked).</summary>
    private static bool NotHost(Room room, string? hostConnectionId) => hostConnectionId is not null && room.HostConnectionId != hostConnectionId;

    // Keeps one buffer per state and reuses it while it is large enough, so a steady stream of
    // writes of similar size allocates nothing; readers always get a copy.
    private static void Store(ref byte[]? buffer, ref int length, ReadOnlySpan<byte> value)
    {
        if (buffer is null || buffer.Length < value.Length)
        {
            buffer = new byte[Math.Max(value.Length, Math.Min((buffer?.Length ?? 0) * 2, 1 << 20))];
        }

        value.CopyTo(buffer);
        length = value.Length;
    }

    private sealed class Room(RoomConfig config, long nowMs)
    {
        public readonly RoomConfig Config = config;
        public readonly Dictionary<string, Member> Members = new(StringComparer.Ordinal);
        public readonly Dictionary<string, Poll> Polls = new(StringComparer.Ordinal);
        public readonly List<string> PollOrder = [];
        public readonly Queue<byte[]> ToHost = new();
        public bool Deleted;
        public string? HostConnectionId;
        public string? HostNodeId;
        public long HostJoinedAt;

        /// <summary>Set by the first host claim, never cleared (room:state's hostClientId field exists from then on).</summary>
        public bool HostEverClaimed;
        private long _lastActivity = nowMs;

        /// <summary>True once anything but the creation wrote to the room (Redis: <c>room:state</c> exists).</summary>
        public bool Activated;

        public long LastActivity
        {
            get => _lastActivity;
            set
            {
                _lastActivity = value;
                Activated = true;
            }
        }
        public byte[]? GameState;
        public int GameStateLength;
        public long GameStateRev;
        public int PlayerCount;
        public int AudienceCount;

        public byte[] CopyGameState() => GameState.AsSpan(0, GameStateLength).ToArray();
    }

    private sealed class Member(ClientRole role, byte[] meta, long joinedAt)
    {
        public readonly ClientRole Role = role;
        public readonly long JoinedAt = joinedAt;
        public byte[] Meta = meta;
        public string? ConnectionId;
        public string? NodeId;
        public byte[]? SeatTokenHash;
        public byte[]? PlayerState;
        public int PlayerStateLength;
        public long PlayerStateRev;
    }

    private sealed class Poll(PollDefinition definition)
    {
        public readonly Dictionary<string, byte[]> Responses = new(StringComparer.Ordinal);
        public PollDefinition Definition = definition;
    }
}
