using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

public sealed partial class RedisRelayStore
{
    private const string RolePlayer = "player";

    private static readonly RedisValue[] s_claimFields = ["role", "meta", "socketId", "joinedAt"];

    /// <inheritdoc />
    public async ValueTask<HostClaimResult> ClaimHostAsync(RoomCode code, string connectionId, string nodeId, long nowMs, int audienceLimit = int.MaxValue)
    {
        var keys = _keys.For(code);
        RedisResult[] r;
        Task<RedisValue>[] roles;
        try
        {
            NoteNodeRoom(nodeId, keys);
            r = Items(await EvalAsync(RedisScripts.ClaimHost, [keys.Config, keys.State, keys.Clients, keys.GameState],
                [connectionId, nodeId, nowMs]));
            if ((JoinOutcome)Int(r[0]) != JoinOutcome.Joined)
            {
                return new HostClaimResult { Outcome = (JoinOutcome)Int(r[0]) };
            }

            // The members' roles, pipelined (one round trip): a member that left meanwhile reads as nil and is skipped; one
            // that joined meanwhile is announced to the new host by the bus like any later join.
            roles = new Task<RedisValue>[(r.Length - 6) / 2];
            for (var i = 0; i < roles.Length; i++)
            {
                roles[i] = _db.HashGetAsync(keys.Client((string)r[6 + (2 * i)]!), "role");
            }

            await Task.WhenAll(roles);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(ClaimHostAsync));
        }

        // Every player and the first audienceLimit audience members, in join order (the zset's order); then their hashes.
        var listed = new List<(string Id, long Score)>();
        long players = 0;
        long audience = 0;
        string? audienceCursor = null;
        for (var i = 0; i < roles.Length; i++)
        {
            var role = (string?)roles[i].Result;
            var id = (string)r[6 + (2 * i)]!;
            var score = Long(r[7 + (2 * i)]);
            if (role == RolePlayer)
            {
                players++;
                listed.Add((id, score));
            }
            else if (role == "audience")
            {
                if (audience++ < audienceLimit)
                {
                    listed.Add((id, score));
                    audienceCursor = ClientCursor.Format(score, id);
                }
            }
        }

        var read = await ReadMembersAsync(keys, listed, nameof(ClaimHostAsync)).ConfigureAwait(false);
        var clients = listed.Where(m => read.ContainsKey(m.Id)).Select(m => read[m.Id]).ToList();
        var previous = NonEmpty(r[1]);
        return new HostClaimResult
        {
            Outcome = JoinOutcome.Joined,
            PreviousConnectionId = previous,
            PreviousNodeId = previous is null ? null : NonEmpty(r[2]),
            FirstHost = Long(r[5]) == 1,
            GameState = Bytes(r[3]),
            GameStateRev = Long(r[4]),
            Clients = clients,
            PlayerCount = players,
            AudienceCount = audience,
            AudienceCursor = audience > audienceLimit ? audienceCursor : null,
        };
    }

    /// <inheritdoc />
    public async ValueTask<ClientPageResult> ListClientsAsync(RoomCode code, ClientRole? role, string? cursor, int limit, int maxBytes, string? hostConnectionId = null)
    {
        var keys = _keys.For(code);
        limit = Math.Max(limit, 1);
        try
        {
            var existsTask = _db.KeyExistsAsync(keys.Config);
            var stateTask = _db.HashGetAsync(keys.State, s_pageStateFields);
            if (!await existsTask.ConfigureAwait(false))
            {
                return new ClientPageResult(ClientPageOutcome.RoomNotFound, null);
            }

            var state = await stateTask.ConfigureAwait(false);
            var host = (string?)state[0];
            if (hostConnectionId is not null && host != hostConnectionId)
            {
                return new ClientPageResult(ClientPageOutcome.NotHost, null);
            }

            // Where the page starts: right after the cursor's member (by rank while it exists, else by join time, then id).
            long start = 0;
            if (ClientCursor.TryParse(cursor, out var afterAt, out var afterId))
            {
                if (await _db.SortedSetRankAsync(keys.Clients, afterId).ConfigureAwait(false) is { } rank)
                {
                    start = rank + 1;
                }
                else
                {
                    start = await _db.SortedSetLengthAsync(keys.Clients, double.NegativeInfinity, afterAt, Exclude.Stop).ConfigureAwait(false);
                    foreach (var e in await _db.SortedSetRangeByScoreWithScoresAsync(keys.Clients, afterAt, afterAt).ConfigureAwait(false))
                    {
                        start += string.CompareOrdinal((string?)e.Element, afterId) < 0 ? 1 : 0;
                    }
                }
            }

            // Batches in join order (each one pipelined round trip for the members' hashes) until the page is full, its
            // metas reach maxBytes (at least one member), or the scan budget is spent.
            var page = new List<ClientInfo>();
            var bytes = 0L;
            var budget = (limit * 20L) + 1000;
            string? last = null;
            var exhausted = false;
            var batchSize = Math.Clamp(limit, 16, 200);
            while (page.Count < limit && budget > 0 && (page.Count == 0 || bytes < maxBytes))
            {
                var batch = await _db.SortedSetRangeByRankWithScoresAsync(keys.Clients, start, start + batchSize - 1).ConfigureAwait(false);
                if (batch.Length == 0)
                {
                    exhausted = true;
                    break;
                }

                var ids = batch.Select(e => (e.Element.ToString(), (long)e.Score)).ToList();
                var members = await ReadMembersAsync(keys, ids, nameof(ListClientsAsync)).ConfigureAwait(false);
                foreach (var (id, score) in ids)
                {
                    if (page.Count >= limit || budget <= 0 || (page.Count > 0 && bytes >= maxBytes))
                    {
                        break;
                    }

                    start++;
                    budget--;
                    last = ClientCursor.Format(score, id);
                    if (id != host && members.TryGetValue(id, out var m) && (role is null || m.Role == role))
                    {
                        page.Add(m);
                        bytes += m.Meta.Length;
                    }
                }
            }

            var more = !exhausted && await _db.SortedSetLengthAsync(keys.Clients).ConfigureAwait(false) > start;
            return new ClientPageResult(ClientPageOutcome.Ok, new ClientPage(page, more ? last : null, Long(state[1]), Long(state[2])));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(ListClientsAsync));
        }
    }

    private static readonly RedisValue[] s_pageStateFields = [RedisKeys.HostClientId, RedisKeys.PlayerCount, RedisKeys.AudienceCount];

    /// <summary>The hashes of <paramref name="ids"/> (pipelined, one round trip) by id; members that left meanwhile are missing.</summary>
    private async Task<Dictionary<string, ClientInfo>> ReadMembersAsync(RoomKeys keys, List<(string Id, long Score)> ids, string operation)
    {
        var reads = new Task<RedisValue[]>[ids.Count];
        try
        {
            for (var i = 0; i < ids.Count; i++)
            {
                reads[i] = _db.HashGetAsync(keys.Client(ids[i].Id), s_claimFields);
            }

            await Task.WhenAll(reads).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, operation);
        }

        var members = new Dictionary<string, ClientInfo>(ids.Count, StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            var h = reads[i].Result;
            var roleName = (string?)h[0];
            if (roleName is not ("player" or "audience"))
            {
                continue;
            }

            var role = roleName == RolePlayer ? ClientRole.Player : ClientRole.Audience;
            var connected = role == ClientRole.Audience || !h[2].IsNullOrEmpty;
            var joinedAt = h[3].IsNull ? ids[i].Score : Long(h[3]);
            members[ids[i].Id] = new ClientInfo(ids[i].Id, role, h[1].IsNull ? "{}"u8.ToArray() : (byte[])h[1]!, connected, joinedAt);
        }

        return members;
    }

    /// <inheritdoc />
    public async ValueTask<ConnectionEndOutcome> ReleaseHostAsync(RoomCode code, string connectionId, long nowMs)
    {
        var keys = _keys.For(code);
        try
        {
            var r = await EvalAsync(RedisScripts.ReleaseHost, [keys.Config, keys.State, keys.Clients], [connectionId, nowMs]);
            return (ConnectionEndOutcome)Int(r);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(ReleaseHostAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<SeatJoinResult> JoinPlayerAsync(RoomCode code, NewSeat seat)
    {
        var keys = _keys.For(code);
        RedisResult[] r;
        try
        {
            NoteNodeRoom(seat.NodeId, keys);
            r = Items(await EvalAsync(RedisScripts.JoinPlayer,
                [keys.Config, keys.State, keys.Clients, keys.Client(seat.ClientId), keys.GameState],
                [seat.ClientId, Convert.ToHexStringLower(seat.SeatTokenHash.Span), seat.ConnectionId, seat.NodeId, seat.Meta, seat.NowMs]));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(JoinPlayerAsync));
        }

        var outcome = Int(r[0]);
        if (outcome < 0)
        {
            throw DuplicateMember("seat");
        }

        if (outcome != (int)JoinOutcome.Joined)
        {
            return new SeatJoinResult { Outcome = (JoinOutcome)outcome };
        }

        return new SeatJoinResult
        {
            Outcome = JoinOutcome.Joined,
            JoinedAtMs = seat.NowMs,
            Meta = seat.Meta.ToArray(),
            GameState = Bytes(r[1]),
            GameStateRev = Long(r[2]),
            HostConnected = Long(r[3]) == 1,
        };
    }

    /// <inheritdoc />
    public async ValueTask<SeatJoinResult> ReclaimSeatAsync(RoomCode code, SeatReclaim reclaim)
    {
        var keys = _keys.For(code);
        RedisResult[] r;
        try
        {
            NoteNodeRoom(reclaim.NodeId, keys);
            r = Items(await EvalAsync(RedisScripts.ReclaimSeat,
                [keys.Config, keys.State, keys.Client(reclaim.ClientId), keys.GameState, keys.PlayerState(reclaim.ClientId)],
                [reclaim.SeatTokenHash.IsEmpty ? RedisValue.EmptyString : Convert.ToHexStringLower(reclaim.SeatTokenHash.Span),
                 reclaim.ConnectionId, reclaim.NodeId, reclaim.Meta, reclaim.NowMs]));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(ReclaimSeatAsync));
        }

        var outcome = (JoinOutcome)Int(r[0]);
        if (outcome != JoinOutcome.Joined)
        {
            return new SeatJoinResult { Outcome = outcome };
        }

        var previous = NonEmpty(r[3]);
        return new SeatJoinResult
        {
            Outcome = JoinOutcome.Joined,
            JoinedAtMs = Long(r[1]),
            Meta = Bytes(r[2]),
            PreviousConnectionId = previous,
            PreviousNodeId = previous is null ? null : NonEmpty(r[4]),
            GameState = Bytes(r[5]),
            GameStateRev = Long(r[6]),
            PlayerState = Bytes(r[7]),
            PlayerStateRev = Long(r[8]),
            HostConnected = Long(r[9]) == 1,
        };
    }

    /// <inheritdoc />
    public ValueTask<ConnectionEndOutcome> DisconnectPlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs)
        => EndPlayerAsync(code, clientId, connectionId, nowMs, leave: false);

    /// <inheritdoc />
    public ValueTask<ConnectionEndOutcome> LeavePlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs)
        => EndPlayerAsync(code, clientId, connectionId, nowMs, leave: true);

    private async ValueTask<ConnectionEndOutcome> EndPlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs, bool leave)
    {
        var keys = _keys.For(code);
        try
        {
            var r = await EvalAsync(RedisScripts.EndPlayer,
                [keys.Config, keys.State, keys.Clients, keys.Client(clientId), keys.PlayerState(clientId)],
                [clientId, connectionId, nowMs, leave ? 1 : 0]);
            return (ConnectionEndOutcome)Int(r);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, leave ? nameof(LeavePlayerAsync) : nameof(DisconnectPlayerAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<AudienceJoinResult> JoinAudienceAsync(RoomCode code, AudienceJoin join)
    {
        var keys = _keys.For(code);
        RedisResult[] r;
        try
        {
            NoteNodeRoom(join.NodeId, keys);
            r = Items(await EvalAsync(RedisScripts.JoinAudience,
                [keys.Config, keys.State, keys.Clients, keys.Client(join.ConnectionId), keys.GameState, keys.Polls],
                [join.ConnectionId, join.NodeId, join.Meta, join.NowMs]));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(JoinAudienceAsync));
        }

        var outcome = Int(r[0]);
        if (outcome < 0)
        {
            throw DuplicateMember("member");
        }

        if (outcome != (int)JoinOutcome.Joined)
        {
            return new AudienceJoinResult { Outcome = (JoinOutcome)outcome };
        }

        IReadOnlyList<PollDefinition> polls = [];
        if (r.Length > 4)
        {
            var ids = new RedisValue[r.Length - 4];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = (RedisValue)r[4 + i];
            }

            try
            {
                polls = await ReadActivePollsAsync(keys, ids);
            }
            catch (Exception ex) when (IsStoreFailure(ex))
            {
                throw Unavailable(ex, nameof(JoinAudienceAsync));
            }
        }

        return new AudienceJoinResult
        {
            Outcome = JoinOutcome.Joined,
            JoinedAtMs = join.NowMs,
            GameState = Bytes(r[1]),
            GameStateRev = Long(r[2]),
            HostConnected = Long(r[3]) == 1,
            ActivePolls = polls,
        };
    }

    /// <inheritdoc />
    public async ValueTask<ConnectionEndOutcome> RemoveAudienceAsync(RoomCode code, string connectionId, long nowMs)
    {
        var keys = _keys.For(code);
        try
        {
            var r = await EvalAsync(RedisScripts.RemoveAudience, [keys.Config, keys.State, keys.Clients, keys.Client(connectionId)],
                [connectionId, nowMs]);
            return (ConnectionEndOutcome)Int(r);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(RemoveAudienceAsync));
        }
    }

    /// <summary>
    /// Adds the room to <c>nodes:rooms:&lt;nodeId&gt;</c> (fire and forget, pipelined ahead of the join's script on the same
    /// connection, so a member never exists without it), which lets the dead-node cleanup visit that node's rooms only.
    /// A separate script, not part of the join script: the set is not in the room's keys (slot).
    /// </summary>
    private void NoteNodeRoom(string nodeId, RoomKeys keys)
    {
        var key = _nodeRoomsKey;
        if (key?.Item1 != nodeId)
        {
            key = Tuple.Create(nodeId, _keys.NodeRooms(nodeId));
            _nodeRoomsKey = key;
        }

        // On the fast connection, in the same write as the join's script and with no reply (nothing waits for it): no separate
        // multiplexer write, and no reply to wake the reader.
        if (_fast is { } fast && fast.TrySetAddWithoutReply(key.Item2, keys.Code))
        {
            return;
        }

        _db.SetAddAsync(key.Item2, keys.Code, CommandFlags.FireAndForget);
    }
}
