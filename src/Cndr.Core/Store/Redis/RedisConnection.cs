using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// The process's one <see cref="ConnectionMultiplexer"/>, shared by <see cref="RedisRelayStore"/> and <see cref="RedisRoomBus"/>.
/// Under RESP2 the multiplexer keeps two sockets per server: an interactive one (every store command, pipelined) and a
/// dedicated subscription one (the bus). Commands fail fast while disconnected (no backlog), so the relay answers
/// <c>UNAVAILABLE</c> at once instead of piling requests up; the multiplexer reconnects on its own and re-issues
/// every subscription.
/// </summary>
public sealed partial class RedisConnection : IAsyncDisposable, IDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;
    private readonly ILogger _logger;

    private RedisConnection(ConnectionMultiplexer multiplexer, ILogger logger, RedisKeys keys, RedisFastConnection? fast, RedisStoreOptions options)
    {
        _multiplexer = multiplexer;
        Options = options;
        Fast = fast;
        _logger = logger;
        Keys = keys;
        _multiplexer.ConnectionFailed += OnConnectionFailed;
        _multiplexer.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>Raised (on a Redis thread: handlers must return at once) after the interactive or subscription connection came back.</summary>
    internal event Action<ConnectionType>? Restored;

    /// <summary>Raised (on a Redis thread: handlers must return at once) when the interactive or subscription connection failed.</summary>
    internal event Action<ConnectionType>? Failed;

    /// <summary>The shared multiplexer (Core only: no StackExchange.Redis type leaves this folder's public surface).</summary>
    internal IConnectionMultiplexer Multiplexer => _multiplexer;

    /// <summary>True while at least one server connection is up.</summary>
    public bool IsConnected => _multiplexer.IsConnected;

    internal ILogger Logger => _logger;

    /// <summary>The script-call connection of <see cref="RedisStoreOptions.FastPath"/>, or null (everything on the multiplexer).</summary>
    internal RedisFastConnection? Fast { get; }

    /// <summary>The options this connection was made with.</summary>
    internal RedisStoreOptions Options { get; }

    /// <summary>Whether the room bus subscribes on its own <see cref="RedisFastSubscriber"/> (the conditions of <see cref="Fast"/>, and <see cref="RedisStoreOptions.FastSubscriber"/>).</summary>
    internal bool FastSubscriber => Fast is not null && Options.FastSubscriber;

    /// <summary>The key schema of this connection (standalone or cluster, with the key prefix).</summary>
    internal RedisKeys Keys { get; }

    /// <summary>Connects to the server described by <paramref name="options"/>.</summary>
    /// <exception cref="StoreUnavailableException">The server cannot be reached and <see cref="RedisStoreOptions.RequireConnectionAtStartup"/> is set.</exception>
    public static async Task<RedisConnection> ConnectAsync(RedisStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = (ILogger?)loggerFactory?.CreateLogger("Cndr.Core.Store.Redis") ?? NullLogger.Instance;
        var config = CreateConfiguration(options);
        var keys = new RedisKeys(options.Cluster, options.KeyPrefix ?? "");
        ConnectionMultiplexer multiplexer;
        try
        {
            multiplexer = await ConnectionMultiplexer.ConnectAsync(config);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or IOException)
        {
            throw new StoreUnavailableException($"Cannot connect to Redis at {options}.", ex);
        }

        if (options.RequireConnectionAtStartup && !multiplexer.IsConnected)
        {
            await multiplexer.DisposeAsync();
            throw new StoreUnavailableException($"Cannot connect to Redis at {options}.");
        }

        if (!options.Cluster && IsClusterServer(multiplexer))
        {
            // The standalone schema spreads a room over many slots: every script would fail with CROSSSLOT.
            await multiplexer.DisposeAsync();
            throw new StoreUnavailableException($"Redis at {options} is a Redis Cluster: set REDIS_CLUSTER=true (the cluster key schema).");
        }

        RedisFastConnection? fast = null;
        if (RedisFastConnection.Supports(options))
        {
            // Waits for its first attempt only (bounded by the connect timeout); until it is up, calls use the multiplexer.
            fast = new RedisFastConnection(options, logger);
            await fast.StartAsync();
        }

        var connection = new RedisConnection(multiplexer, logger, keys, fast, options);
        if (multiplexer.IsConnected)
        {
            await connection.LoadScriptsAsync();
        }

        logger.LogInformation("Connected to Redis at {Endpoint}", options.ToString());
        return connection;
    }

    internal static ConfigurationOptions CreateConfiguration(RedisStoreOptions options)
    {
        var config = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectRetry = 1,
            ConnectTimeout = options.ConnectTimeoutMs,
            AsyncTimeout = options.OperationTimeoutMs,
            SyncTimeout = options.OperationTimeoutMs,
            ClientName = options.ClientName,
            User = options.User,
            Password = options.Password,
            Ssl = options.UseTls,
            SslHost = options.UseTls ? options.TlsHost ?? options.Host : null,
            BacklogPolicy = BacklogPolicy.FailFast,
            ReconnectRetryPolicy = new ExponentialRetry(250, 5000),
            SharedSubscriptionConnection = false,
            KeepAlive = 30,
        };
        if (!string.IsNullOrEmpty(options.SentinelServiceName))
        {
            // The endpoints are Sentinels: ConnectAsync asks them for the service's primary and follows its failovers.
            config.ServiceName = options.SentinelServiceName;
        }

        if (string.IsNullOrWhiteSpace(options.Endpoints))
        {
            AddEndPoint(config, options.Host, options.Port);
        }
        else
        {
            foreach (var part in options.Endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var (host, port) = ParseEndPoint(part, options.SentinelServiceName is { Length: > 0 } ? 26379 : 6379);
                AddEndPoint(config, host, port);
            }
        }

        return config;
    }

    private static void AddEndPoint(ConfigurationOptions config, string host, int port)
    {
        if (IPAddress.TryParse(host, out var ip))
        {
            config.EndPoints.Add(ip, port);
        }
        else
        {
            config.EndPoints.Add(host, port);
        }
    }

    /// <summary><c>host</c>, <c>host:port</c>, <c>[v6]</c> or <c>[v6]:port</c>.</summary>
    /// <exception cref="ArgumentException">Not one of those forms.</exception>
    internal static (string Host, int Port) ParseEndPoint(string text, int defaultPort)
    {
        var host = text;
        var port = defaultPort;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ArgumentException($"Invalid Redis endpoint '{text}'.", nameof(text));
            }

            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':' || !int.TryParse(text.AsSpan(close + 2), out port))
                {
                    throw new ArgumentException($"Invalid Redis endpoint '{text}'.", nameof(text));
                }
            }
        }
        else if (text.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0)
        {
            if (colon != text.LastIndexOf(':'))
            {
                // Several colons: only a bare IPv6 address (no port) is accepted.
                if (!IPAddress.TryParse(text, out _))
                {
                    throw new ArgumentException($"Invalid Redis endpoint '{text}'.", nameof(text));
                }
            }
            else
            {
                host = text[..colon];
                if (!int.TryParse(text.AsSpan(colon + 1), out port))
                {
                    throw new ArgumentException($"Invalid Redis endpoint '{text}'.", nameof(text));
                }
            }
        }

        if (host.Length == 0 || port is < 1 or > 65535)
        {
            throw new ArgumentException($"Invalid Redis endpoint '{text}'.", nameof(text));
        }

        return (host, port);
    }

    private static bool IsClusterServer(ConnectionMultiplexer multiplexer)
    {
        foreach (var server in multiplexer.GetServers())
        {
            if (server.IsConnected && server.ServerType == ServerType.Cluster)
            {
                return true;
            }
        }

        return false;
    }

    internal IDatabase Database => _multiplexer.GetDatabase();

    /// <summary>Reachability and PING round-trip time (for <c>/health</c>); never throws.</summary>
    internal async Task<(bool Connected, double LatencyMs)> ProbeAsync()
    {
        if (!_multiplexer.IsConnected)
        {
            return (false, 0);
        }

        try
        {
            var rtt = await _multiplexer.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2));
            return (true, rtt.TotalMilliseconds);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            return (false, 0);
        }
    }

    internal ISubscriber Subscriber => _multiplexer.GetSubscriber();

    /// <summary>
    /// SCRIPT LOAD of every script on every connected server, so the hot path's EVALSHA normally hits; a server that lost
    /// its script cache (restart, SCRIPT FLUSH) answers NOSCRIPT and the store falls back to sending the text once.
    /// </summary>
    internal async Task LoadScriptsAsync()
    {
        foreach (var server in _multiplexer.GetServers())
        {
            if (!server.IsConnected)
            {
                continue;
            }

            try
            {
                var loads = new Task<byte[]>[RedisScripts.All.Length];
                for (var i = 0; i < loads.Length; i++)
                {
                    loads[i] = server.ScriptLoadAsync(RedisScripts.All[i].Text);
                }

                await Task.WhenAll(loads);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Not fatal: EVALSHA falls back to EVAL on NOSCRIPT.
                _logger.LogWarning("Loading the store's Lua scripts into {Endpoint} failed: {Error}", server.EndPoint?.ToString(), ex.GetType().Name);
            }
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        Failed?.Invoke(e.ConnectionType);
        Log.RedisDisconnected(_logger, "redis_disconnected", e.ConnectionType.ToString(), e.FailureType.ToString());
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        Log.RedisReconnected(_logger, "redis_reconnected", e.ConnectionType.ToString());
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            // Off the Redis thread: never await on a completion thread.
            _ = Task.Run(LoadScriptsAsync);
        }

        Restored?.Invoke(e.ConnectionType);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _multiplexer.ConnectionFailed -= OnConnectionFailed;
        _multiplexer.ConnectionRestored -= OnConnectionRestored;
        Fast?.Dispose();
        await _multiplexer.DisposeAsync();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _multiplexer.ConnectionFailed -= OnConnectionFailed;
        _multiplexer.ConnectionRestored -= OnConnectionRestored;
        Fast?.Dispose();
        _multiplexer.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(200, LogLevel.Error, "{event}: {connectionType} connection, {error}")]
        public static partial void RedisDisconnected(ILogger logger, string @event, string connectionType, string error);

        [LoggerMessage(201, LogLevel.Information, "{event}: {connectionType} connection")]
        public static partial void RedisReconnected(ILogger logger, string @event, string connectionType);
    }
}
