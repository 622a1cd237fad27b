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

    private RedisConnection(ConnectionMultiplexer multiplexer, ILogger logger)
    {
        _multiplexer = multiplexer;
        _logger = logger;
        _multiplexer.ConnectionFailed += OnConnectionFailed;
        _multiplexer.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>Raised (on a Redis thread: handlers must return at once) after the interactive or subscription connection came back.</summary>
    internal event Action<ConnectionType>? Restored;

    /// <summary>The shared multiplexer (Core only: no StackExchange.Redis type leaves this folder's public surface).</summary>
    internal IConnectionMultiplexer Multiplexer => _multiplexer;

    /// <summary>True while at least one server connection is up.</summary>
    public bool IsConnected => _multiplexer.IsConnected;

    internal ILogger Logger => _logger;

    /// <summary>Connects to the server described by <paramref name="options"/>.</summary>
    /// <exception cref="StoreUnavailableException">The server cannot be reached and <see cref="RedisStoreOptions.RequireConnectionAtStartup"/> is set.</exception>
    public static async Task<RedisConnection> ConnectAsync(RedisStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = (ILogger?)loggerFactory?.CreateLogger("Cndr.Core.Store.Redis") ?? NullLogger.Instance;
        var config = CreateConfiguration(options);
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

        var connection = new RedisConnection(multiplexer, logger);
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
        if (IPAddress.TryParse(options.Host, out var ip))
        {
            config.EndPoints.Add(ip, options.Port);
        }
        else
        {
            config.EndPoints.Add(options.Host, options.Port);
        }

        return config;
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

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        Log.RedisDisconnected(_logger, "redis_disconnected", e.ConnectionType.ToString(), e.FailureType.ToString());

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
        await _multiplexer.DisposeAsync();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _multiplexer.ConnectionFailed -= OnConnectionFailed;
        _multiplexer.ConnectionRestored -= OnConnectionRestored;
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
