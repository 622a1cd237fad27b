using System.Globalization;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

/// <summary>Operator queries (admin API, monitor): plain reads, each a couple of pipelined round trips; never on the hot path.</summary>
public sealed partial class RedisRelayStore
{
    private static readonly RedisValue[] s_hostFields = [RedisKeys.HostClientId, RedisKeys.HostNodeId];
    private static readonly RedisValue[] s_memberFields = ["role", "socketId", "connectedNodeId", "joinedAt"];

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<MemberInfo>?> ListMembersAsync(RoomCode code)
    {
        var keys = _keys.For(code);
        try
        {
            var existsTask = _db.KeyExistsAsync(keys.Config);
            var entriesTask = _db.SortedSetRangeByRankWithScoresAsync(keys.Clients);
            var hostTask = _db.HashGetAsync(keys.State, s_hostFields);
            if (!await existsTask)
            {
                return null;
            }

            var entries = await entriesTask;
            var host = await hostTask;
            var hostId = (string?)host[0];
            var reads = new Task<RedisValue[]>?[entries.Length];
            for (var i = 0; i < entries.Length; i++)
            {
                if ((string?)entries[i].Element != hostId)
                {
                    reads[i] = _db.HashGetAsync(keys.Client(entries[i].Element.ToString()), s_memberFields);
                }
            }

            var list = new List<MemberInfo>(entries.Length);
            for (var i = 0; i < entries.Length; i++)
            {
                var id = entries[i].Element.ToString();
                var joinedAt = (long)entries[i].Score;
                if (reads[i] is not { } read)
                {
                    list.Add(new MemberInfo(id, ClientRole.Host, id, (string?)host[1], joinedAt));
                    continue;
                }

                var h = await read;
                var role = (string?)h[0];
                if (role is not ("player" or "audience"))
                {
                    continue; // left between the two reads
                }

                var socket = (string?)h[1];
                var node = (string?)h[2];
                if (long.TryParse((string?)h[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var at))
                {
                    joinedAt = at;
                }

                list.Add(new MemberInfo(id, role == "player" ? ClientRole.Player : ClientRole.Audience, string.IsNullOrEmpty(socket) ? null : socket, string.IsNullOrEmpty(node) ? null : node, joinedAt));
            }

            return list;
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(ListMembersAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PollDefinition>> ListPollsAsync(RoomCode code)
    {
        var keys = _keys.For(code);
        try
        {
            var ids = await _db.SortedSetRangeByRankAsync(keys.Polls);
            var reads = ids.Select(id => (Id: id.ToString(), Config: _db.HashGetAllAsync(keys.PollConfig(id.ToString())))).ToList();
            var list = new List<PollDefinition>(reads.Count);
            foreach (var (id, config) in reads)
            {
                if (ParsePoll(id, await config) is { } poll)
                {
                    list.Add(poll);
                }
            }

            return list;
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(ListPollsAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<GameStateSnapshot?> GetGameStateAsync(RoomCode code)
    {
        var keys = _keys.For(code);
        try
        {
            var existsTask = _db.KeyExistsAsync(keys.Config);
            var stateTask = _db.StringGetAsync(keys.GameState);
            var revTask = _db.HashGetAsync(keys.State, RedisKeys.GameStateRev);
            if (!await existsTask)
            {
                return null;
            }

            var state = (byte[]?)await stateTask ?? [];
            var rev = (long?)await revTask ?? 0;
            return new GameStateSnapshot(state, rev);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(GetGameStateAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<RoomStates?> GetRoomStatesAsync(RoomCode code, IReadOnlyList<string> playerIds)
    {
        ArgumentNullException.ThrowIfNull(playerIds);
        var keys = _keys.For(code);
        var k = new RedisKey[3 + (2 * playerIds.Count)];
        k[0] = keys.Config;
        k[1] = keys.State;
        k[2] = keys.GameState;
        for (var i = 0; i < playerIds.Count; i++)
        {
            k[3 + (2 * i)] = keys.Client(playerIds[i]);
            k[4 + (2 * i)] = keys.PlayerState(playerIds[i]);
        }

        RedisResult result;
        try
        {
            result = await EvalAsync(RedisScripts.ReadStates, k, []);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(GetRoomStatesAsync));
        }

        if (result.IsNull)
        {
            return null;
        }

        var r = Items(result);
        var players = new GameStateSnapshot[playerIds.Count];
        for (var i = 0; i < players.Length; i++)
        {
            players[i] = new GameStateSnapshot((byte[]?)r[2 + (2 * i)] ?? [], Long(r[3 + (2 * i)]));
        }

        return new RoomStates(new GameStateSnapshot((byte[]?)r[0] ?? [], Long(r[1])), players);
    }
}
