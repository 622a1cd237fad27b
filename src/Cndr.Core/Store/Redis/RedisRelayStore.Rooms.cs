using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

public sealed partial class RedisRelayStore
{
    private const int ListBatchSize = 512;

    /// <inheritdoc />
    public async ValueTask<CreateRoomOutcome> CreateRoomAsync(RoomCode code, RoomConfig config, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(config);
        var keys = _keys.For(code);
        try
        {
            var r = await EvalAsync(RedisScripts.CreateRoom, keys.ConfigAndState,
                [config.Password, config.HostKey, config.MaxPlayers, config.MaxAudience, config.CreatedAt, nowMs]);
            return Long(r) == 1 ? CreateRoomOutcome.Created : CreateRoomOutcome.AlreadyExists;
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(CreateRoomAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<RoomConfig?> GetRoomConfigAsync(RoomCode code)
    {
        var keys = _keys.For(code);
        try
        {
            return ParseConfig(await _db.HashGetAllAsync(keys.Config));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(GetRoomConfigAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<RoomInfo?> GetRoomInfoAsync(RoomCode code)
    {
        var keys = _keys.For(code);
        try
        {
            // Two reads, one round trip (pipelined).
            var configTask = _db.HashGetAllAsync(keys.Config);
            var stateTask = _db.HashGetAsync(keys.State,
                [RedisKeys.HostClientId, RedisKeys.LastActivity, RedisKeys.GameStateRev, RedisKeys.PlayerCount, RedisKeys.AudienceCount]);
            var config = ParseConfig(await configTask);
            var state = await stateTask;
            if (config is null)
            {
                return null;
            }

            var lastActivity = state[1].IsNull ? CreatedAtMs(config.CreatedAt) : Long(state[1]);
            return new RoomInfo(code, config.HasPassword, config.MaxPlayers, config.MaxAudience, config.CreatedAt,
                (int)Long(state[3]), (int)Long(state[4]), !state[0].IsNullOrEmpty, lastActivity, Long(state[2]));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(GetRoomInfoAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteRoomAsync(RoomCode code) => await DeleteAsync(code, "") == 1;

    /// <inheritdoc />
    public async ValueTask<ConnectionEndOutcome> DeleteRoomAsHostAsync(RoomCode code, string hostConnectionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostConnectionId);
        return await DeleteAsync(code, hostConnectionId) switch
        {
            1 => ConnectionEndOutcome.Done,
            -1 => ConnectionEndOutcome.NotCurrent,
            _ => ConnectionEndOutcome.NotFound,
        };
    }

    /// <summary>
    /// Reads the room's member and poll ids, then deletes every key of the room in one script that declares them all; when a
    /// member joined or a poll started between the two steps (the script sees other ids), it reads again (bounded).
    /// </summary>
    private async ValueTask<long> DeleteAsync(RoomCode code, string hostConnectionId)
    {
        const int MaxAttempts = 16;
        var keys = _keys.For(code);
        try
        {
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var membersTask = _db.SortedSetRangeByRankAsync(keys.Clients);
                var pollsTask = _db.SortedSetRangeByRankAsync(keys.Polls);
                var members = await membersTask;
                var polls = await pollsTask;
                var declared = new RedisKey[keys.DeleteKeys.Length + (2 * members.Length) + (2 * polls.Length)];
                var args = new RedisValue[4 + members.Length + polls.Length];
                keys.DeleteKeys.CopyTo(declared, 0);
                args[0] = hostConnectionId;
                args[1] = IRelayStore.RoomClosedMarkMs;
                args[2] = members.Length;
                args[3] = polls.Length;
                var k = keys.DeleteKeys.Length;
                var a = 4;
                foreach (var id in members)
                {
                    var s = id.ToString();
                    declared[k++] = keys.Client(s);
                    declared[k++] = keys.PlayerState(s);
                    args[a++] = id;
                }

                foreach (var id in polls)
                {
                    var s = id.ToString();
                    declared[k++] = keys.PollConfig(s);
                    declared[k++] = keys.PollResponses(s);
                    args[a++] = id;
                }

                var r = Long(await EvalAsync(RedisScripts.DeleteRoom, declared, args));
                if (r == -2)
                {
                    continue;
                }

                if (r >= 0)
                {
                    _keys.Forget(code);
                }

                return r;
            }

            throw new RedisException($"The room's members kept changing during {MaxAttempts} delete attempts.");
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(DeleteRoomAsync));
        }
    }

    /// <summary>
    /// Every room with its last activity: SCAN <c>room:config:*</c> (every room has a config; <c>room:state</c> may be missing for a
    /// room written by an external tool), then the <c>lastActivity</c> fields, pipelined in batches. A room without
    /// <c>lastActivity</c> reports its <c>createdAt</c> (seconds are recognised and converted to milliseconds).
    /// </summary>
    public async ValueTask<IReadOnlyList<RoomActivity>> ListRoomsAsync()
    {
        try
        {
            var codes = await ScanRoomCodesAsync();
            var result = new List<RoomActivity>(codes.Count);
            var tasks = new Task<RedisValue[]>[Math.Min(codes.Count, ListBatchSize)];
            for (var start = 0; start < codes.Count; start += ListBatchSize)
            {
                var n = Math.Min(ListBatchSize, codes.Count - start);
                for (var i = 0; i < n; i++)
                {
                    var keys = _keys.For(codes[start + i]);
                    tasks[i] = LastActivityAsync(keys);
                }

                for (var i = 0; i < n; i++)
                {
                    var v = await tasks[i];
                    if (!v[1].IsNull && !v[0].IsNull)
                    {
                        // Activated (room:state has lastActivity) and the config still exists (not deleted between SCAN and now).
                        result.Add(new RoomActivity(codes[start + i], Long(v[0])));
                    }
                }
            }

            return result;
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(ListRoomsAsync));
        }
    }

    /// <summary>SCAN <c>room:config:*</c> on every connected primary: the code of every room.</summary>
    private async Task<List<RoomCode>> ScanRoomCodesAsync()
    {
        var codes = new List<RoomCode>();
        var scanned = false;
        foreach (var server in _connection.Multiplexer.GetServers())
        {
            if (!server.IsConnected || server.IsReplica)
            {
                continue;
            }

            scanned = true;
            await foreach (var key in server.KeysAsync(_db.Database, _keys.ConfigScanPattern, pageSize: 1000))
            {
                if (_keys.TryParseConfigKey((string?)key, out var code))
                {
                    codes.Add(code);
                }
            }
        }

        if (!scanned)
        {
            Interlocked.Increment(ref _failures);
            throw new StoreUnavailableException("The Redis store is unavailable (no connected primary).");
        }

        return codes;
    }

    private async Task<RedisValue[]> LastActivityAsync(RoomKeys keys)
    {
        var state = _db.HashGetAsync(keys.State, RedisKeys.LastActivity);
        var created = _db.HashGetAsync(keys.Config, RedisKeys.CreatedAt);
        return [await state, await created];
    }

    /// <summary><c>createdAt</c> as written by the creator; values below 10^11 are taken as Unix seconds.</summary>
    private static long CreatedAtMs(long createdAt) => createdAt is > 0 and < 100_000_000_000 ? createdAt * 1000 : createdAt;

    internal static RoomConfig? ParseConfig(HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }

        string hostKey = "", password = "";
        int maxPlayers = 0, maxAudience = 0;
        long createdAt = 0;
        foreach (var e in entries)
        {
            if (e.Name == RedisKeys.HostKey)
            {
                hostKey = e.Value.ToString();
            }
            else if (e.Name == RedisKeys.Password)
            {
                password = e.Value.ToString();
            }
            else if (e.Name == RedisKeys.MaxPlayers)
            {
                maxPlayers = NonNegative(e.Value);
            }
            else if (e.Name == RedisKeys.MaxAudience)
            {
                maxAudience = NonNegative(e.Value);
            }
            else if (e.Name == RedisKeys.CreatedAt)
            {
                createdAt = Long(e.Value);
            }
        }

        return new RoomConfig(hostKey, password, maxPlayers, maxAudience, createdAt);
    }

    // Same reading as the scripts' tonumber(...) or 0: anything that is not a non-negative integer means unlimited.
    private static int NonNegative(RedisValue v) => v.TryParse(out int i) && i > 0 ? i : 0;
}
