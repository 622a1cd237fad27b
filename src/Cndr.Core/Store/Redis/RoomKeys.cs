using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// The keys of one room in one schema (<see cref="RedisKeys"/>). Immutable; the key arrays are only ever read (safe to
/// share between concurrent calls). In the cluster schema every name carries <c>{code}</c>, so all of them hash to one slot.
/// </summary>
internal sealed class RoomKeys
{
    public RoomKeys(RedisKeys schema, RoomCode code)
    {
        var c = code.ToString();
        var t = schema.RoomTag(c);
        Code = c;
        Config = schema.ConfigPrefix + t;
        State = schema.StatePrefix + t;
        Clients = schema.ClientsPrefix + t;
        GameState = schema.GameStatePrefix + t;
        Polls = schema.PollsPrefix + t;
        ToHostQueue = schema.ToHostQueuePrefix + t;
        Closed = schema.ClosedPrefix + t;
        ClientPrefix = schema.ClientPrefix + t + ":";
        PlayerStatePrefix = schema.PlayerStatePrefix + t + ":";
        PollConfigPrefix = schema.PollConfigPrefix + t + ":";
        PollResponsesPrefix = schema.PollResponsesPrefix + t + ":";
        var updates = schema.UpdatesChannelPrefix + t;
        Updates = schema.Channel(updates);
        ConfigAndState = [Config, State];
        SetGameStateKeys = schema.IsCluster ? [Config, State, GameState] : [Config, State, GameState, updates];
        EnqueueKeys = [Config, State, ToHostQueue];
        EnqueueNotifyKeys = [Config, State, ToHostQueue, updates];
        DeleteKeys = [Config, State, Clients, GameState, Polls, ToHostQueue, Closed];
    }

    /// <summary><c>room:closed:&lt;code&gt;</c> (see <see cref="RedisKeys.ClosedPrefix"/>).</summary>
    public RedisKey Closed { get; }

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

    /// <summary>Pub/sub channel <c>room:updates:&lt;code&gt;</c> (sharded in the cluster schema).</summary>
    public RedisChannel Updates { get; }

    public RedisKey[] ConfigAndState { get; }

    /// <summary>
    /// Config, state, game state and, in the standalone schema, the <see cref="Updates"/> channel whose subscribers the script
    /// counts (<see cref="RedisScripts.SetGameState"/>).
    /// </summary>
    public RedisKey[] SetGameStateKeys { get; }

    public RedisKey[] EnqueueKeys { get; }

    /// <summary><see cref="EnqueueKeys"/> and the <see cref="Updates"/> channel the enqueue script publishes on.</summary>
    public RedisKey[] EnqueueNotifyKeys { get; }

    public RedisKey[] DeleteKeys { get; }

    public RedisKey Client(string id) => ClientPrefix + id;

    public RedisKey PlayerState(string clientId) => PlayerStatePrefix + clientId;

    public RedisKey PollConfig(string pollId) => PollConfigPrefix + pollId;

    public RedisKey PollResponses(string pollId) => PollResponsesPrefix + pollId;
}
