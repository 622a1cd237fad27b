using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// Every Redis key, field and channel name the relay uses (ARCHITECTURE §10 plus the additions in Store/SCHEMA.md).
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

/// <summary>The keys of one room. Immutable; the key arrays are only ever read (safe to share between concurrent calls).</summary>
internal sealed class RoomKeys
{
    public RoomKeys(RoomCode code)
    {
        var c = code.ToString();
        Code = c;
        Config = RedisKeys.ConfigPrefix + c;
        State = RedisKeys.StatePrefix + c;
        Clients = RedisKeys.ClientsPrefix + c;
        GameState = RedisKeys.GameStatePrefix + c;
        Polls = RedisKeys.PollsPrefix + c;
        ToHostQueue = RedisKeys.ToHostQueuePrefix + c;
        ClientPrefix = RedisKeys.ClientPrefix + c + ":";
        PlayerStatePrefix = RedisKeys.PlayerStatePrefix + c + ":";
        PollConfigPrefix = RedisKeys.PollConfigPrefix + c + ":";
        PollResponsesPrefix = RedisKeys.PollResponsesPrefix + c + ":";
        Updates = RedisChannel.Literal(RedisKeys.UpdatesChannelPrefix + c);
        ConfigAndState = [Config, State];
        SetGameStateKeys = [Config, State, GameState];
        EnqueueKeys = [Config, State, ToHostQueue];
        DeleteKeys = [Config, State, Clients, GameState, Polls, ToHostQueue];
    }

    public string Code { get; }

    public RedisKey Config { get; }

    public RedisKey State { get; }

    public RedisKey Clients { get; }

    public RedisKey GameState { get; }

    public RedisKey Polls { get; }

    public RedisKey ToHostQueue { get; }

    /// <summary><c>room:client:&lt;code&gt;:</c></summary>
    public string ClientPrefix { get; }

    /// <summary><c>room:playerstate:&lt;code&gt;:</c></summary>
    public string PlayerStatePrefix { get; }

    /// <summary><c>room:poll:config:&lt;code&gt;:</c></summary>
    public string PollConfigPrefix { get; }

    /// <summary><c>room:poll:responses:&lt;code&gt;:</c></summary>
    public string PollResponsesPrefix { get; }

    /// <summary>Pub/sub channel <c>room:updates:&lt;code&gt;</c>.</summary>
    public RedisChannel Updates { get; }

    public RedisKey[] ConfigAndState { get; }

    public RedisKey[] SetGameStateKeys { get; }

    public RedisKey[] EnqueueKeys { get; }

    public RedisKey[] DeleteKeys { get; }

    public RedisKey Client(string id) => ClientPrefix + id;

    public RedisKey PlayerState(string clientId) => PlayerStatePrefix + clientId;

    public RedisKey PollConfig(string pollId) => PollConfigPrefix + pollId;

    public RedisKey PollResponses(string pollId) => PollResponsesPrefix + pollId;
}
