using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

public sealed partial class RedisRelayStore
{
    private const string RolePlayer = "player";

    private static readonly RedisValue[] s_claimFields = ["role", "meta", "socketId", "joinedAt"];

    /// <inheritdoc />
    public async ValueTask<HostClaimResult> ClaimHostAsync(RoomCode code, string connectionId, string nodeId, long nowMs)
    {
        var keys = _keys.For(code);
        RedisResult[] r;
        Task<RedisValue[]>[] reads;
        try
        {
            r = Items(await EvalAsync(RedisScripts.ClaimHost, [keys.Config, keys.State, keys.Clients, keys.GameState],
                [connectionId, nodeId, nowMs]));
            if ((JoinOutcome)Int(r[0]) != JoinOutcome.Joined)
            {
                return new HostClaimResult { Outcome = (JoinOutcome)Int(r[0]) };
            }

            // The members' hashes, pipelined (one round trip): a member that left meanwhile reads as nil and is skipped; one
            // that joined meanwhile is announced to the new host by the bus like any later join.
            reads = new Task<RedisValue[]>[(r.Length - 6) / 2];
            for (var i = 0; i < reads.Length; i++)
            {
                reads[i] = _db.HashGetAsync(keys.Client((string)r[6 + (2 * i)]!), s_claimFields);
            }

            await Task.WhenAll(reads);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(ClaimHostAsync));
        }

        var previous = NonEmpty(r[1]);
        var clients = new List<ClientInfo>(reads.Length);
        for (var i = 0; i < reads.Length; i++)
        {
            var h = reads[i].Result;
            var roleName = (string?)h[0];
            if (roleName is not ("player" or "audience"))
            {
                continue;
            }

            var role = roleName == RolePlayer ? ClientRole.Player : ClientRole.Audience;
            var connected = role == ClientRole.Audience || !h[2].IsNullOrEmpty;
            var joinedAt = h[3].IsNull ? Long(r[7 + (2 * i)]) : Long(h[3]);
            clients.Add(new ClientInfo((string)r[6 + (2 * i)]!, role, h[1].IsNull ? "{}"u8.ToArray() : (byte[])h[1]!, connected, joinedAt));
        }

        return new HostClaimResult
        {
            Outcome = JoinOutcome.Joined,
            PreviousConnectionId = previous,
            PreviousNodeId = previous is null ? null : NonEmpty(r[2]),
            FirstHost = Long(r[5]) == 1,
            GameState = Bytes(r[3]),
            GameStateRev = Long(r[4]),
            Clients = clients,
        };
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
}
