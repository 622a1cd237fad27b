namespace Cndr.Core.Store.Redis;

/// <summary>How a node reaches its Redis server (one shared connection per process, see <see cref="RedisConnection"/>).</summary>
public sealed class RedisStoreOptions
{
    /// <summary>Host name or IP address.</summary>
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 6379;

    /// <summary>ACL user (Redis 6+), or null for the default user.</summary>
    public string? User { get; set; }

    /// <summary>Password (AUTH), or null. A secret: never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Connect with TLS.</summary>
    public bool UseTls { get; set; }

    /// <summary>Server name to validate the TLS certificate against (defaults to <see cref="Host"/>).</summary>
    public string? TlsHost { get; set; }

    /// <summary>Time allowed for (re)connecting one socket, in milliseconds.</summary>
    public int ConnectTimeoutMs { get; set; } = 5000;

    /// <summary>Time after which an unanswered command fails with <see cref="StoreUnavailableException"/>, in milliseconds.</summary>
    public int OperationTimeoutMs { get; set; } = 5000;

    /// <summary>
    /// When true (default), <see cref="RedisConnection.ConnectAsync"/> fails with <see cref="StoreUnavailableException"/>
    /// if the server cannot be reached at startup; when false it returns a connection that keeps retrying in the background.
    /// </summary>
    public bool RequireConnectionAtStartup { get; set; } = true;

    /// <summary>
    /// Several endpoints, <c>host:port,host:port</c> (IPv6 as <c>[::1]:6379</c>), used instead of <see cref="Host"/> and
    /// <see cref="Port"/>: seed nodes of a cluster, a primary and its replicas, or the Sentinels of <see cref="SentinelServiceName"/>.
    /// </summary>
    public string? Endpoints { get; set; }

    /// <summary>Sentinel service name: the endpoints are Sentinels, which name the current primary (and the next one after a failover).</summary>
    public string? SentinelServiceName { get; set; }

    /// <summary>
    /// The cluster schema (<see cref="RedisKeys"/>): room keys hash-tagged with the room code, room channels sharded
    /// (SPUBLISH/SSUBSCRIBE). Required for a Redis Cluster; also works on a standalone Redis 7.
    /// </summary>
    public bool Cluster { get; set; }

    /// <summary>Put in front of every key and channel, for several environments on one Redis ('' = none, the design's names).</summary>
    public string KeyPrefix { get; set; } = "";

    /// <summary>
    /// Script calls on <see cref="RedisFastConnection"/> (a reply continues on its reader thread, no thread-pool hop) when the
    /// server is one standalone Redis without TLS or Sentinel; false: every command on StackExchange.Redis.
    /// </summary>
    public bool FastPath { get; set; } = true;

    /// <summary>
    /// With <see cref="FastPath"/> on a server it supports, the room bus subscribes on <see cref="RedisFastSubscriber"/> (each
    /// message delivered on its reader thread, no thread-pool hop); false: on StackExchange.Redis's subscription connection.
    /// </summary>
    public bool FastSubscriber { get; set; } = true;

    /// <summary>
    /// The fast connection and the fast subscriber are read on the transport's epoll loop (<see cref="RespLoopReader"/>)
    /// where it runs; false (or CNDR_REDIS_READS=thread): each reads on a thread of its own.
    /// </summary>
    public bool ReadOnLoop { get; set; } = Environment.GetEnvironmentVariable("CNDR_REDIS_READS") != "thread";

    /// <summary>
    /// The fast subscriber PINGs Redis when nothing came over its connection for this long (ms): a Redis that stopped
    /// answering is noticed within this plus <see cref="OperationTimeoutMs"/>, then reconnected to with a resync.
    /// </summary>
    public int SubscriberKeepAliveMs { get; set; } = 1000;

    /// <summary>CLIENT SETNAME of the node's connections.</summary>
    public string ClientName { get; set; } = "cndr";

    /// <summary>Null when <paramref name="prefix"/> is a usable <see cref="KeyPrefix"/>, else why not.</summary>
    public static string? ValidateKeyPrefix(string prefix) =>
        RedisKeys.IsValidPrefix(prefix) ? null
            : $"'{prefix}': at most {RedisKeys.MaxPrefixLength} characters from A-Z a-z 0-9 : _ - . (no braces: they would form a hash tag)";

    /// <summary>Null when <paramref name="endpoints"/> is a usable <see cref="Endpoints"/> list, else why not.</summary>
    public static string? ValidateEndpoints(string endpoints)
    {
        foreach (var part in endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                RedisConnection.ParseEndPoint(part, 6379);
            }
            catch (ArgumentException ex)
            {
                return ex.Message;
            }
        }

        return null;
    }

    /// <summary>Never prints the password.</summary>
    public override string ToString() =>
        $"{(string.IsNullOrEmpty(Endpoints) ? $"{Host}:{Port}" : Endpoints)}{(string.IsNullOrEmpty(SentinelServiceName) ? "" : $" (sentinel service {SentinelServiceName})")} "
        + $"(tls={UseTls}, user={(User is null ? "default" : "set")}, password={(Password is null ? "none" : "set")}, "
        + $"schema={(Cluster ? "cluster" : "standalone")}{(KeyPrefix.Length > 0 ? $", prefix={KeyPrefix}" : "")})";
}
