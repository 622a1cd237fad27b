using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Cndr.Core;
using Cndr.Core.Cluster;
using Cndr.Core.Relay;
using Cndr.Host.Admin;
using Cndr.Host.Auth;
using Cndr.Host.Configuration;
using Cndr.Host.Play;
using Cndr.Host.Webhooks;
using Cndr.Transport.EngineIO;
using Cndr.Transport.Http;
using Cndr.Transport.SocketIO;
using Microsoft.Extensions.Logging;

namespace Cndr.Host;

/// <summary>
/// One running cndr node: the composition root. Transport (HTTP, WebSocket, Engine.IO, Socket.IO on one
/// port) → the relay (namespace <c>/</c>) → the store and the inter-node bus (embedded, or Redis), plus the
/// admin API, health, readiness, metrics and node coordination.
/// </summary>
internal sealed partial class CndrNode : IAsyncDisposable
{
    private readonly CndrSettings _settings;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly HttpServer _http;
    private readonly SocketIOServer _socketIO;
    private readonly RelayHandler _relay;
    private readonly NodeCoordinator _coordinator;
    private readonly StoreBundle _stores;
    private int _disposed;

    private CndrNode(CndrSettings settings, ILoggerFactory loggers, StoreBundle stores, RelayHandler relay, HttpServer http, SocketIOServer socketIO, NodeCoordinator coordinator)
    {
        _settings = settings;
        _loggers = loggers;
        _logger = loggers.CreateLogger("Cndr.Node");
        _stores = stores;
        _relay = relay;
        _http = http;
        _socketIO = socketIO;
        _coordinator = coordinator;
        Rooms = new RoomService(stores.Store, new RelayRoomCloser(relay), settings.RoomCodeLength);
    }

    public string NodeId => _relay.NodeId;

    /// <summary>The port actually listened on (useful with <c>PORT=0</c>).</summary>
    public int Port => _http.EndPoints[0].Port;

    public RoomService Rooms { get; }

    internal RelayHandler Relay => _relay;

    internal NodeCoordinator Coordinator => _coordinator;

    internal SocketIOServer SocketIO => _socketIO;

    internal CndrSettings Settings => _settings;

    /// <summary>Open TCP connections of this node.</summary>
    internal int OpenConnections => _http.ConnectionCount;

    /// <summary>Builds and starts a node; throws with a clear message when the port or the certificate cannot be used.</summary>
    public static async Task<CndrNode> StartAsync(CndrSettings settings, ILoggerFactory loggers)
    {
        var nodeId = string.IsNullOrEmpty(settings.NodeId) ? Guid.NewGuid().ToString("D") : settings.NodeId;
        var stores = await StoreBundle.CreateAsync(settings, nodeId, loggers);

        var relayOptions = new RelayOptions
        {
            NodeId = nodeId,
            RoomCodeLength = settings.RoomCodeLength,
            HandshakeTimeout = TimeSpan.FromMilliseconds(settings.HandshakeTimeoutMs),
            HandshakeSweepInterval = TimeSpan.FromMilliseconds(Math.Clamp(settings.HandshakeTimeoutMs / 4, 10, 1000)),
            RateLimitMessages = settings.RateLimitMessages,
            RateLimitWindowMs = settings.RateLimitWindowMs,
            ToHostQueueLimit = settings.MaxQueueLength,
            ToHostDrainBytes = Math.Max(1, settings.MaxOutboundBytes / 4),
            MaxMetaBytes = settings.MaxMetaBytes,
            MaxFreeTextChars = settings.MaxFreeTextLength,
            AudienceMessageBudget = settings.AudienceMessageBudget,
            HandshakeAudienceLimit = settings.HandshakeAudienceLimit,
            PollResultsTop = settings.PollResultsTop,
            AudienceMessageWindowMs = settings.AudienceMessageWindowMs,
            FailedHandshakeLimit = settings.FailedHandshakeLimit,
            FailedHandshakeWindowMs = settings.FailedHandshakeWindowMs,
            TokenValidator = JwtJoinTokenValidator.Create(settings),
        };
        var relay = new RelayHandler(stores.Store, stores.Bus, relayOptions, loggers.CreateLogger<RelayHandler>());
        var webhooks = string.IsNullOrEmpty(settings.WebhookUrl) ? null : new WebhookSender(
            new Uri(settings.WebhookUrl), settings.WebhookSecret, nodeId, settings.WebhookQueueLength, settings.WebhookMaxAttempts,
            settings.WebhookBackoffMs, settings.WebhookTimeoutMs, loggers.CreateLogger<WebhookSender>());
        relay.EventSink = webhooks;

        var httpOptions = new HttpServerOptions
        {
            MaxRequestBodyBytes = Math.Max(settings.MaxMessageBytes, 16 * 1024),
            RequestBodyTimeoutMs = settings.RequestBodyTimeoutMs,
        };
        httpOptions.Listener.EndPoints.Add(new IPEndPoint(IPAddress.Parse(settings.BindAddress), settings.Port));
        httpOptions.Listener.MaxConnections = settings.MaxConnections;
        httpOptions.Listener.MaxConnectionsPerIp = settings.MaxConnectionsPerIp;
        SetOrigins(httpOptions.AllowedOrigins, settings);
        if (!string.IsNullOrEmpty(settings.TlsCertPath))
        {
            httpOptions.Listener.StreamWrapper = TlsWrapper(settings.TlsCertPath!, settings.TlsKeyPath!);
        }

        var http = new HttpServer(httpOptions);
        var engineOptions = new EngineIOOptions
        {
            Path = settings.SocketIOPath,
            PingInterval = settings.PingIntervalMs,
            PingTimeout = settings.PingTimeoutMs,
            MaxPayload = settings.MaxMessageBytes,
            MaxOutboundBytes = settings.MaxOutboundBytes,
            CloseTimeout = settings.CloseTimeoutMs,
            MaxPendingSessions = settings.MaxPendingSessions,
            MaxPendingSessionsPerAddress = settings.MaxPendingSessionsPerIp,

            // A session that never connects the namespace is closed like one that never joins (HANDSHAKE_TIMEOUT_MS).
            ConnectTimeout = settings.HandshakeTimeoutMs,
            SidPrefix = settings.SidPrefix,
        };
        SetOrigins(engineOptions.AllowedOrigins, settings);
        var socketIO = new SocketIOServer(engineOptions);
        socketIO.AddNamespace("/", relay);
        socketIO.MapTo(http);

        var coordinator = new NodeCoordinator(
            nodeId,
            stores.Registry,
            stores.Store,
            new RelayRoomCloser(relay),
            new CoordinatorOptions
            {
                HeartbeatIntervalMs = settings.HeartbeatIntervalMs,
                NodeTimeoutMs = settings.NodeTimeoutMs,
                CleanupIntervalMs = settings.CleanupIntervalMs,
                InactiveRoomThresholdMs = settings.InactiveRoomThresholdMs,
            },
            loggers.CreateLogger<NodeCoordinator>());

        coordinator.Attach(relay); // dead-node releases and lost rooms reach the relay
        var node = new CndrNode(settings, loggers, stores, relay, http, socketIO, coordinator) { _webhooks = webhooks };
        stores.OnReconnected(coordinator.Nudge); // re-register at once when Redis comes back
        node.MapOperationalEndpoints();
        if (settings.PlayPages)
        {
            PlayPages.Map(http.Router);
        }

        node.MapAdmin();

        http.Start();
        await coordinator.StartAsync();
        node.StartStatusPublisher();
        node._ready = true;
        Log.NodeStarted(node._logger, "node_started", nodeId, node.Port, settings.UsesEmbeddedStore ? "embedded" : "redis");
        return node;
    }

    private static void SetOrigins(IList<string> target, CndrSettings settings)
    {
        target.Clear();
        foreach (var o in settings.ParsedAllowedOrigins())
        {
            target.Add(o);
        }

        if (target.Count == 0)
        {
            target.Add("*");
        }
    }

    private static Func<Stream, CancellationToken, ValueTask<Stream>> TlsWrapper(string certPath, string keyPath)
    {
        // Load once; an ephemeral PEM key must be re-imported to be usable by SslStream on Linux.
        using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        var cert = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificate = cert,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = false,
        };
        return async (stream, ct) =>
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsServerAsync(options, ct).ConfigureAwait(false);
            return ssl;
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await DisposeAdminAsync();
        await _coordinator.DisposeAsync();
        await _http.DisposeAsync();
        DisposeMetrics();
        _relay.Dispose();
        if (_webhooks is not null)
        {
            await _webhooks.DisposeAsync();
        }

        await _stores.DisposeAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{event} node {nodeId} on port {port}, store {store}")]
        public static partial void NodeStarted(ILogger logger, string @event, string nodeId, int port, string store);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{event} node {nodeId}, deadline {deadlineMs} ms")]
        public static partial void Draining(ILogger logger, string @event, string nodeId, long deadlineMs);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{event} node {nodeId}, {remaining} connections left at the deadline")]
        public static partial void Drained(ILogger logger, string @event, string nodeId, int remaining);
    }
}

/// <summary>Closes rooms through the relay (admin API, inactivity cleanup).</summary>
internal sealed class RelayRoomCloser(RelayHandler relay) : IRoomCloser
{
    public async ValueTask<bool> CloseRoomAsync(RoomCode code, string reason) =>
        await relay.CloseRoomAsync(code, reason switch
        {
            "inactive" => RoomCloseReason.Inactive,
            "closed_by_admin" => RoomCloseReason.ClosedByAdmin,
            _ => RoomCloseReason.ClosedByHost,
        });
}
