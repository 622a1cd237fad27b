using System.Collections.Concurrent;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// Every Redis key, field and channel name cndr uses (the schema is in docs/ARCHITECTURE.md).
/// No environment prefix: the design assumes a dedicated Redis instance. The schema has no hash tags, so a room's
/// keys are not guaranteed to share a cluster slot: the store targets a standalone server (or a primary with replicas).
/// </summary>
internal static class RedisKeys
{
    public const string ConfigPrefix = "room:config:";
    public const string StatePrefix = "room:state:";
    public const string ClientsPrefix = "room:clients:";
    public const string ClientPrefix = "room:client:";
    public const string GameStatePrefix = "room:gamestate:";
    public const string PlayerStatePrefix = "room:playerstate:";
    public const string PollsPrefix = "room:polls:";
    public const string PollConfigPrefix = "room:poll:config:";
    public const string PollResponsesPrefix = "room:poll:responses:";
    public const string ToHostQueuePrefix = "room:queue:tohost:";
    public const string UpdatesChannelPrefix = "room:updates:";

    /// <summary><c>room:closed:&lt;code&gt;</c>: string with a TTL, set when the room is deleted or its loss claimed (one lost webhook per fleet).</summary>
    public const string ClosedPrefix = "room:closed:";

    /// <summary><c>nodes:registry</c>: zset nodeId → registration time (ms); the earliest live entry is the primary.</summary>
    public const string NodeRegistry = "nodes:registry";

    /// <summary><c>nodes:heartbeat</c>: hash nodeId → last heartbeat (ms).</summary>
    public const string NodeHeartbeat = "nodes:heartbeat";

    /// <summary><c>nodes:status</c>: hash nodeId → the node's live status (JSON from the Host, for the admin API and monitor).</summary>
    public const string NodeStatus = "nodes:status";

    /// <summary>SCAN pattern of every room (each room has a config hash; room:state may be missing for rooms written by external tools).</summary>
    public const string ConfigScanPattern = ConfigPrefix + "*";

    // room:config fields
    public const string Password = "password";
    public const string HostKey = "hostKey";
    public const string MaxPlayers = "maxPlayers";
    public const string MaxAudience = "maxAudience";
    public const string CreatedAt = "createdAt";

    // room:state fields
    public const string HostNodeId = "hostNodeId";
    public const string HostClientId = "hostClientId";
    public const string LastActivity = "lastActivity";
    public const string GameStateRev = "gameStateRev";
    public const string PlayerCount = "playerCount";
    public const string AudienceCount = "audienceCount";

    // room:poll:config fields
    public const string PollType = "type";
    public const string PollQuestion = "question";
    public const string PollOptions = "options";
    public const string PollActive = "active";
    public const string PollStartedAt = "startedAt";
    public const string PollEndsAt = "endsAt";
    public const string PollLive = "live";
    public const string PollEndedAt = "endedAt";

    private const int MaxCachedRooms = 65_536;
    private static readonly ConcurrentDictionary<RoomCode, RoomKeys> s_rooms = new();

    /// <summary>The (cached) key set of one room, so hot-path calls build no key strings.</summary>
    public static RoomKeys For(RoomCode code)
    {
        if (s_rooms.TryGetValue(code, out var keys))
        {
            return keys;
        }

        if (s_rooms.Count >= MaxCachedRooms)
        {
            // Bounded: rooms closed by other nodes are never explicitly forgotten here, so start over.
            s_rooms.Clear();
        }

        return s_rooms.GetOrAdd(code, static c => new RoomKeys(c));
    }

    /// <summary>Drops the cached key set of a deleted room.</summary>
    public static void Forget(RoomCode code) => s_rooms.TryRemove(code, out _);

    /// <summary>Room code of a <c>room:config:&lt;code&gt;</c> key, if valid.</summary>
    public static bool TryParseConfigKey(string? key, out RoomCode code)
    {
        code = default;
        return key is not null && key.StartsWith(ConfigPrefix, StringComparison.Ordinal)
            && RoomCode.TryParse(key.AsSpan(ConfigPrefix.Length), key.Length - ConfigPrefix.Length, out code);
    }
}
