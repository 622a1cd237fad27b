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

    /// <summary>CLIENT SETNAME of the node's connections.</summary>
    public string ClientName { get; set; } = "cndr";

    /// <summary>Never prints the password.</summary>
    public override string ToString() =>
        $"{Host}:{Port} (tls={UseTls}, user={(User is null ? "default" : "set")}, password={(Password is null ? "none" : "set")})";
}
