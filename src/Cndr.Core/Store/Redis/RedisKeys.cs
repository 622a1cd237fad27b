using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// Every Redis key, field and channel name cndr uses (both schemas are in docs/ARCHITECTURE.md). One instance per
/// connection: <see cref="Standalone"/> is the design's schema byte for byte (<c>room:config:&lt;code&gt;</c>,
/// <c>nodes:registry</c>, channel <c>room:updates:&lt;code&gt;</c> with PUBLISH); the cluster schema puts the room code in a
/// hash tag (<c>room:config:{&lt;code&gt;}</c>) so every key of a room lives in one slot, gives the node keys one tag
/// (<c>nodes:{nodes}:registry</c>) and makes room channels sharded (SPUBLISH / SSUBSCRIBE). An optional prefix goes in
/// front of every key and channel (several environments on one Redis).
/// </summary>
internal sealed class RedisKeys
{
    /// <summary>The standalone schema without a prefix: exactly the design's names.</summary>
    public static readonly RedisKeys Standalone = new(cluster: false, prefix: "");

    private const int MaxCachedRooms = 65_536;

    /// <summary>Longest accepted key prefix.</summary>
    public const int MaxPrefixLength = 64;

    private readonly ConcurrentDictionary<RoomCode, RoomKeys> _rooms = new();

    public RedisKeys(bool cluster, string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (!IsValidPrefix(prefix))
        {
            throw new ArgumentException(
                $"The Redis key prefix must be at most {MaxPrefixLength} characters from A-Z a-z 0-9 : _ - . (no braces or glob characters).", nameof(prefix));
        }

        IsCluster = cluster;
        Prefix = prefix;
        ConfigPrefix = prefix + "room:config:";
        StatePrefix = prefix + "room:state:";
        ClientsPrefix = prefix + "room:clients:";
        ClientPrefix = prefix + "room:client:";
        GameStatePrefix = prefix + "room:gamestate:";
        PlayerStatePrefix = prefix + "room:playerstate:";
        PollsPrefix = prefix + "room:polls:";
        PollConfigPrefix = prefix + "room:poll:config:";
        PollResponsesPrefix = prefix + "room:poll:responses:";
        ToHostQueuePrefix = prefix + "room:queue:tohost:";
        UpdatesChannelPrefix = prefix + "room:updates:";
        ClosedPrefix = prefix + "room:closed:";
        ConfigScanPattern = ConfigPrefix + "*";
        NodeRegistry = NodeKey("registry");
        NodeHeartbeat = NodeKey("heartbeat");
        NodeStatus = NodeKey("status");
    }

    /// <summary>True for the cluster schema (hash tags, sharded channels).</summary>
    public bool IsCluster { get; }

    /// <summary>Put in front of every key and channel ('' = none).</summary>
    public string Prefix { get; }

    public string ConfigPrefix { get; }

    public string StatePrefix { get; }

    public string ClientsPrefix { get; }

    public string ClientPrefix { get; }

    public string GameStatePrefix { get; }

    public string PlayerStatePrefix { get; }

    public string PollsPrefix { get; }

    public string PollConfigPrefix { get; }

    public string PollResponsesPrefix { get; }

    public string ToHostQueuePrefix { get; }

    public string UpdatesChannelPrefix { get; }

    /// <summary><c>room:closed:&lt;code&gt;</c>: string with a TTL, set when the room is deleted or its loss claimed (one lost webhook per fleet).</summary>
    public string ClosedPrefix { get; }


    /// <summary><c>nodes:registry</c>: zset nodeId → registration time (ms); the earliest live entry is the primary.</summary>
    public RedisKey NodeRegistry { get; }

    /// <summary><c>nodes:heartbeat</c>: hash nodeId → last heartbeat (ms).</summary>
    public RedisKey NodeHeartbeat { get; }

    /// <summary><c>nodes:status</c>: hash nodeId → the node's live status (JSON from the Host, for the admin API and monitor).</summary>
    public RedisKey NodeStatus { get; }

    /// <summary>
    /// <c>nodes:rooms:&lt;nodeId&gt;</c>: set of the room codes a node joined members into (added with each join, before its
    /// script; never removed on leave, so a superset). The primary releases a dead node's claims in these rooms only, and
    /// deletes the set with the node.
    /// </summary>
    public RedisKey NodeRooms(string nodeId) => NodeKey("rooms:" + nodeId);

    /// <summary>SCAN pattern of every room (each room has a config hash; room:state may be missing for rooms written by external tools).</summary>
    public string ConfigScanPattern { get; }

    /// <summary>
    /// A key of the <c>nodes:*</c> family: <c>nodes:&lt;name&gt;</c>, or <c>nodes:{nodes}:&lt;name&gt;</c> in the cluster schema
    /// (one slot for every node key, so a script may touch several).
    /// </summary>
    public string NodeKey(string name) => Prefix + (IsCluster ? "nodes:{nodes}:" : "nodes:") + name;

    /// <summary>The part of a room's key names after the family prefix: the code, or <c>{code}</c> (a hash tag) in the cluster schema.</summary>
    public string RoomTag(string code) => IsCluster ? "{" + code + "}" : code;

    /// <summary>The command a script publishes to a room channel with: PUBLISH, or SPUBLISH in the cluster schema.</summary>
    public string PublishCommand => IsCluster ? "SPUBLISH" : "PUBLISH";

    /// <summary>A room's pub/sub channel: a plain channel (PUBLISH), or a sharded one (SPUBLISH) in the cluster schema.</summary>
    public RedisChannel Channel(string name) => IsCluster ? RedisChannel.Sharded(name) : RedisChannel.Literal(name);

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

    /// <summary>The (cached) key set of one room, so hot-path calls build no key strings.</summary>
    public RoomKeys For(RoomCode code)
    {
        if (_rooms.TryGetValue(code, out var keys))
        {
            return keys;
        }

        if (_rooms.Count >= MaxCachedRooms)
        {
            // Bounded: rooms closed by other nodes are never explicitly forgotten here, so start over.
            _rooms.Clear();
        }

        return _rooms.GetOrAdd(code, static (c, schema) => new RoomKeys(schema, c), this);
    }

    /// <summary>Drops the cached key set of a deleted room.</summary>
    public void Forget(RoomCode code) => _rooms.TryRemove(code, out _);

    /// <summary>Room code of a <c>room:config:&lt;code&gt;</c> (cluster: <c>room:config:{&lt;code&gt;}</c>) key, if valid.</summary>
    public bool TryParseConfigKey(string? key, out RoomCode code)
    {
        code = default;
        if (key is null || !key.StartsWith(ConfigPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = key.AsSpan(ConfigPrefix.Length);
        if (IsCluster)
        {
            if (rest.Length < 2 || rest[0] != '{' || rest[^1] != '}')
            {
                return false;
            }

            rest = rest[1..^1];
        }

        return RoomCode.TryParse(rest, rest.Length, out code);
    }

    /// <summary>Prefix characters that cannot form a hash tag or a SCAN glob.</summary>
    public static bool IsValidPrefix(string prefix)
    {
        if (prefix.Length > MaxPrefixLength)
        {
            return false;
        }

        foreach (var c in prefix)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => (IsCluster ? "cluster" : "standalone") + (Prefix.Length > 0 ? ", prefix " + Prefix : "");
}
