using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// <see cref="IRelayStore"/> on Redis (many nodes). Every atomic step is one Lua script sent with EVALSHA (hash computed
/// once at startup, scripts loaded on connect and after each reconnect; on NOSCRIPT the text is sent once instead), so the
/// hot path (game/player state, to-host enqueue, poll answers) is one command and one round trip. Reads that need several
/// independent commands are pipelined (issued without awaiting, then awaited together). Opaque JSON goes to Redis as the
/// caller's bytes (no copy, no re-serialisation) and comes back as arrays the caller owns.
/// </summary>
/// <remarks>
/// Every Redis failure (connection, timeout, server error) surfaces as <see cref="StoreUnavailableException"/>; nothing else
/// escapes except <see cref="InvalidOperationException"/> for a caller bug (a new seat or audience id that already exists),
/// as in the embedded store. Secrets (host keys, passwords, seat token hashes) are never logged.
/// </remarks>
public sealed partial class RedisRelayStore : IRelayStore
{
    private static readonly long s_logIntervalTicks = Stopwatch.Frequency * 5;

    private readonly RedisConnection _connection;
    private readonly IDatabase _db;
    private readonly RedisFastConnection? _fast;
    private readonly RedisKeys _keys;
    private readonly ILogger _logger;
    private long _lastFailureLog;
    private long _failures;
    private long _noScriptFallbacks;
    private long _tryAgainRetries;

    private const int TryAgainAttempts = 20;
    private const int TryAgainDelayMs = 10;

    // The bus's ToHostQueued of this node (RoomBusCodec), published by the enqueue script; null: the caller publishes.
    private readonly byte[]? _toHostQueued;

    // The bus envelope (this node's id, rev 0) of a game_state publication up to the state: the SetGameState script's head.
    private readonly byte[]? _gameStateHead;

    // The same notice from no node (empty id), published by a drain's last acknowledgement: this node's own bus must not skip it.
    private static readonly byte[] s_drainNotice = RoomBusCodec.Encode([], new RoomBusMessage(RoomBusKind.ToHostQueued, RoomRecipients.Host, null, default));

    // The node whose nodes:rooms set joins add to, and that key (one node per store in practice; replaced as a whole).
    private Tuple<string, RedisKey>? _nodeRoomsKey;

    /// <summary>
    /// A store over the process's shared connection (the connection stays owned by the caller). With
    /// <paramref name="busNodeId"/> (the node's <see cref="RedisRoomBus"/> id) the enqueue to a host also notifies the
    /// other nodes in the same script (<see cref="EnqueueNotifies"/>), and a game state write publishes the state
    /// (standalone schema; see <see cref="SetGameStateAsync"/>).
    /// </summary>
    public RedisRelayStore(RedisConnection connection, string? busNodeId = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _db = connection.Database;
        _fast = connection.Fast;
        _keys = connection.Keys;
        _logger = connection.Logger;
        if (busNodeId is not null)
        {
            var nodeId = RoomBusCodec.NodeId(busNodeId);
            _toHostQueued = RoomBusCodec.Encode(nodeId, new RoomBusMessage(RoomBusKind.ToHostQueued, RoomRecipients.Host, null, default));
            _gameStateHead = RoomBusCodec.Encode(nodeId, new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Players | RoomRecipients.Audience, null, GameStatePacket.Open));
        }
    }

    /// <inheritdoc />
    public bool EnqueueNotifies => _toHostQueued is not null;

    /// <summary>Scripts re-sent after TRYAGAIN (a cluster slot was migrating).</summary>
    public long TryAgainRetryCount => Interlocked.Read(ref _tryAgainRetries);

    /// <summary>Store calls that failed with <see cref="StoreUnavailableException"/> since startup.</summary>
    public long FailureCount => Interlocked.Read(ref _failures);

    /// <summary>EVALSHA calls that met NOSCRIPT and were re-sent with the script text.</summary>
    public long NoScriptFallbackCount => Interlocked.Read(ref _noScriptFallbacks) + (_fast?.NoScriptRetryCount ?? 0);

    /// <summary>
    /// EVALSHA of <paramref name="script"/>; on NOSCRIPT (server restarted or SCRIPT FLUSH) the text is sent once (EVAL). On the
    /// fast connection when it is up (the code after <c>await</c> then runs on its reader thread), else on the multiplexer.
    /// </summary>
    private ValueTask<RedisResult> EvalAsync(RedisScript script, RedisKey[] keys, RedisValue[] args)
    {
        if (_fast is { } fast && fast.TryEval(script, keys, args, out var fastTask))
        {
            return fastTask;
        }

        var task = _db.ScriptEvaluateAsync(script.Hash, keys, args);
        return new(task.IsCompletedSuccessfully ? task : AwaitWithFallback(task, script, keys, args));
    }

    /// <summary>
    /// A script whose reply nobody awaits, kept in order with the other calls of the same connection: on the fast connection
    /// when it is up, else fire-and-forget on the multiplexer (the text overload lets it pick EVALSHA once the script is known).
    /// </summary>
    private void EvalInBackground(RedisScript script, RedisKey[] keys, RedisValue[] args)
    {
        if (_fast is { } fast && fast.TrySend(script, keys, args))
        {
            return;
        }

        _db.ScriptEvaluateAsync(script.Text, keys, args, CommandFlags.FireAndForget);
    }

    private async Task<RedisResult> AwaitWithFallback(Task<RedisResult> task, RedisScript script, RedisKey[] keys, RedisValue[] args)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await task;
            }
            catch (RedisServerException ex) when (attempt < TryAgainAttempts && ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _noScriptFallbacks);

                // The text overload loads the script (SCRIPT LOAD + EVALSHA in one write) and retries once on NOSCRIPT itself.
                task = _db.ScriptEvaluateAsync(script.Text, keys, args);
            }
            catch (RedisServerException ex) when (attempt < TryAgainAttempts && ex.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal))
            {
                // A cluster slot is migrating and some of the script's keys have moved while others have not: the script
                // did not run; once the migration of those keys is over (milliseconds), it runs on the new owner.
                Interlocked.Increment(ref _tryAgainRetries);
                await Task.Delay(TryAgainDelayMs * (attempt + 1));
                task = _db.ScriptEvaluateAsync(script.Hash, keys, args);
            }
        }
    }

    private static bool IsStoreFailure(Exception ex) => ex is RedisException or TimeoutException or ObjectDisposedException;

    /// <summary>Logs (at most every 5 s) and wraps a Redis failure. The message names the operation, never its arguments.</summary>
    private StoreUnavailableException Unavailable(Exception ex, string operation)
    {
        Interlocked.Increment(ref _failures);
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastFailureLog);
        if (now - last > s_logIntervalTicks && Interlocked.CompareExchange(ref _lastFailureLog, now, last) == last)
        {
            if (ex is RedisServerException && !IsOutageError(ex.Message))
            {
                _logger.LogError("Redis store {Operation} failed with a server error: {Error}", operation, ex.Message);
            }
            else
            {
                _logger.LogWarning("Redis store unavailable ({Operation}: {ErrorType}); {Failures} failed calls so far",
                    operation, ex.GetType().Name, Interlocked.Read(ref _failures));
            }
        }

        return new StoreUnavailableException($"The Redis store is unavailable ({operation}).", ex);
    }

    /// <summary>
    /// A server error that means "not now" rather than a bad command: the server is loading, busy, read-only, out of memory
    /// or not authenticated yet, or its cluster is down or migrating (a whole cluster restarting answers CLUSTERDOWN until
    /// its masters see each other again).
    /// </summary>
    internal static bool IsOutageError(string message) =>
        message.StartsWith("LOADING", StringComparison.Ordinal) || message.StartsWith("BUSY", StringComparison.Ordinal)
        || message.StartsWith("MASTERDOWN", StringComparison.Ordinal) || message.StartsWith("READONLY", StringComparison.Ordinal)
        || message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal) || message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
        || message.StartsWith("NOAUTH", StringComparison.Ordinal) || message.StartsWith("OOM", StringComparison.Ordinal);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static InvalidOperationException DuplicateMember(string what) => new($"A {what} with this id already exists in the room.");

    // ---- result parsing ----

    private static RedisResult[] Items(RedisResult r) => (RedisResult[]?)r ?? [];

    private static long Long(RedisResult r) => r.IsNull ? 0 : ((RedisValue)r).TryParse(out long v) ? v : 0;

    private static int Int(RedisResult r) => (int)Long(r);

    /// <summary>A fresh array the caller owns (empty for nil / empty string).</summary>
    private static byte[] Bytes(RedisResult r) => (byte[]?)r ?? [];

    private static string? NonEmpty(RedisResult r)
    {
        var s = (string?)r;
        return string.IsNullOrEmpty(s) ? null : s;
    }

    private static long Long(RedisValue v) => v.TryParse(out long l) ? l : 0;
}
