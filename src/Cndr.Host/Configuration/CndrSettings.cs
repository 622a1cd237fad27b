using System.Globalization;
using System.Net;
using Cndr.Core.Store.Redis;

namespace Cndr.Host.Configuration;

/// <summary>
/// Every setting of a cndr node, read from (lowest to highest precedence) defaults, an optional JSON
/// file (<c>--config</c> / <c>CONFIG_FILE</c>), environment variables and command-line flags.
/// Names are the environment variables of the README's settings table: <c>PORT</c>, <c>REDIS_HOST</c>, ...;
/// the flag of <c>RATE_LIMIT_MESSAGES</c> is <c>--rate-limit-messages</c>.
/// </summary>
internal sealed class CndrSettings
{
    public int Port { get; set; } = 3000;
    public string BindAddress { get; set; } = "0.0.0.0";
    public string? NodeId { get; set; }

    public string? RedisHost { get; set; }
    public int RedisPort { get; set; } = 6379;
    public string? RedisUser { get; set; }
    public string? RedisPassword { get; set; }
    public bool RedisTls { get; set; }

    // ---- Redis deployments: cluster, several endpoints, Sentinel, key prefix (issue 13) ----
    public bool RedisCluster { get; set; }
    public string? RedisEndpoints { get; set; }
    public string? RedisSentinelService { get; set; }
    public string RedisKeyPrefix { get; set; } = "";

    // ---- Redis fast path: script calls on cndr's own RESP connection (issue 11) ----
    public bool RedisFastPath { get; set; } = true;

    // ---- Redis fast subscriber: the room bus on cndr's own subscription connection (issue 14) ----
    public bool RedisFastSubscriber { get; set; } = true;

    public string LogLevel { get; set; } = "info";
    public bool LogJson { get; set; } = true;

    public int RateLimitMessages { get; set; } = 100;
    public int RateLimitWindowMs { get; set; } = 60_000;
    public int CleanupIntervalMs { get; set; } = 300_000;
    public int InactiveRoomThresholdMs { get; set; } = 300_000;
    public int HeartbeatIntervalMs { get; set; } = 60_000;
    public int NodeTimeoutMs { get; set; } = 180_000;

    public string AllowedOrigins { get; set; } = "*";
    public int MaxMessageBytes { get; set; } = 65_536;
    public int MaxOutboundBytes { get; set; } = 1 << 20;
    public int PingIntervalMs { get; set; } = 25_000;
    public int PingTimeoutMs { get; set; } = 20_000;
    public int HandshakeTimeoutMs { get; set; } = 10_000;
    public string SocketIOPath { get; set; } = "/socket.io/";

    public int RoomCodeLength { get; set; } = 6;
    public int MaxMetaBytes { get; set; } = 4096;
    public int MaxFreeTextLength { get; set; } = 500;
    public int MaxQueueLength { get; set; } = 1000;

    public int MaxConnections { get; set; }
    public int MaxConnectionsPerIp { get; set; }

    // Hostile peers: body deadline, failed-handshake throttle.
    public int RequestBodyTimeoutMs { get; set; } = 30_000;
    public int FailedHandshakeLimit { get; set; } = 30;
    public int FailedHandshakeWindowMs { get; set; } = 60_000;

    // Engine.IO sessions (issue 9 §2.1, §2.2, §2.4): close timeout, caps on sessions not yet joined.
    public int CloseTimeoutMs { get; set; } = 5_000;
    public int MaxPendingSessions { get; set; } = 10_000;
    public int MaxPendingSessionsPerIp { get; set; } = 200;

    public string? AdminToken { get; set; }
    public string? TlsCertPath { get; set; }
    public string? TlsKeyPath { get; set; }

    public int DrainTimeoutMs { get; set; } = 30_000;
    public int DrainReconnectJitterMs { get; set; } = 5_000;

    public bool DemoRoom { get; set; } = true;

    // ---- Fleet: metrics export (OpenTelemetry), node status, monitor ----
    public string? OtlpEndpoint { get; set; }
    public string OtlpProtocol { get; set; } = "grpc";
    public int OtlpExportIntervalMs { get; set; } = 10_000;
    public int NodeStatusIntervalMs { get; set; } = 2000;
    public int MonitorIntervalMs { get; set; } = 1000;
    public string SidPrefix { get; set; } = "";

    // ---- Developer kit: the browser party game, webhooks, JWT sign-in, audience budget ----
    public bool PlayPages { get; set; } = true;
    public int AudienceMessageBudget { get; set; }
    public int AudienceMessageWindowMs { get; set; } = 1000;
    public string? JwtSecret { get; set; }
    public string? JwtPublicKey { get; set; }
    public string JwtAudience { get; set; } = "cndr";

    // ---- Webhooks (issue 15 §3) ----
    public string? WebhookUrl { get; set; }
    public string? WebhookSecret { get; set; }
    public int WebhookQueueLength { get; set; } = 10_000;
    public int WebhookMaxAttempts { get; set; } = 5;
    public int WebhookBackoffMs { get; set; } = 500;
    public int WebhookTimeoutMs { get; set; } = 5000;

    // ---- Bounded replies (issue 10 item 1) ----
    public int HandshakeAudienceLimit { get; set; } = 100;
    public int PollResultsTop { get; set; } = 100;

    /// <summary>True when no Redis is configured: the node runs on the embedded in-process store.</summary>
    public bool UsesEmbeddedStore => string.IsNullOrEmpty(RedisHost) && string.IsNullOrEmpty(RedisEndpoints);

    /// <summary>Where Redis is, for logs and the banner (never a secret).</summary>
    public string RedisTarget => string.IsNullOrEmpty(RedisEndpoints) ? $"{RedisHost}:{RedisPort}" : RedisEndpoints;

    /// <summary>The table behind <c>--help</c>, parsing and validation. Order is the order of <c>--help</c>.</summary>
    public static IReadOnlyList<SettingDefinition> Definitions { get; } =
    [
        Int("PORT", "TCP port for HTTP, WebSocket and the admin API (0 = any free port, printed at start)", s => s.Port, (s, v) => s.Port = v, 0, 65535),
        Text("BIND_ADDRESS", "IP address to listen on (0.0.0.0 = all IPv4, :: = all)", s => s.BindAddress, (s, v) => s.BindAddress = v, ValidateIp),
        Text("NODE_ID", "this node's id in nodes:registry (default: a new UUID per start)", s => s.NodeId, (s, v) => s.NodeId = v),

        Text("REDIS_HOST", "Redis host; unset = embedded in-process store (one node)", s => s.RedisHost, (s, v) => s.RedisHost = v),
        Int("REDIS_PORT", "Redis port", s => s.RedisPort, (s, v) => s.RedisPort = v, 1, 65535),
        Text("REDIS_USER", "Redis ACL user (AUTH user password)", s => s.RedisUser, (s, v) => s.RedisUser = v),
        Secret("REDIS_PASSWORD", "Redis password (AUTH)", (s, v) => s.RedisPassword = v),
        Bool("REDIS_TLS", "connect to Redis over TLS", s => s.RedisTls, (s, v) => s.RedisTls = v),

        // Redis deployments (issue 13).
        Bool("REDIS_CLUSTER", "Redis Cluster: hash-tagged room keys (room:config:{CODE}) and sharded room channels (SPUBLISH); REDIS_HOST/REDIS_PORT or REDIS_ENDPOINTS name any master(s)", s => s.RedisCluster, (s, v) => s.RedisCluster = v),
        Text("REDIS_ENDPOINTS", "several Redis endpoints host:port,host:port (cluster seeds, primary and replicas, or Sentinels); replaces REDIS_HOST/REDIS_PORT", s => s.RedisEndpoints, (s, v) => s.RedisEndpoints = v, v => RedisStoreOptions.ValidateEndpoints(v)),
        Text("REDIS_SENTINEL_SERVICE", "Sentinel service name: REDIS_ENDPOINTS (or REDIS_HOST, default port 26379) are Sentinels that name the primary", s => s.RedisSentinelService, (s, v) => s.RedisSentinelService = v),
        Text("REDIS_KEY_PREFIX", "put in front of every Redis key and channel (several environments on one Redis); empty = the design's names", s => s.RedisKeyPrefix, (s, v) => s.RedisKeyPrefix = v, v => RedisStoreOptions.ValidateKeyPrefix(v)),

        // Redis fast path (issue 11).
        Bool("REDIS_FAST_PATH", "store script calls on cndr's own pipelined RESP connection, whose reader thread continues each reply's work (no thread-pool hop); standalone Redis without TLS/Sentinel only; false = everything on StackExchange.Redis", s => s.RedisFastPath, (s, v) => s.RedisFastPath = v),

        // Redis fast subscriber (issue 14).
        Bool("REDIS_FAST_SUBSCRIBER", "room bus subscriptions on cndr's own RESP connection, whose reader thread delivers each bus message inline (no thread-pool hop); needs REDIS_FAST_PATH's conditions; false = StackExchange.Redis's subscriber", s => s.RedisFastSubscriber, (s, v) => s.RedisFastSubscriber = v),

        Text("LOG_LEVEL", "trace | debug | info | warn | error | none", s => s.LogLevel, (s, v) => s.LogLevel = v, ValidateLogLevel),
        Bool("LOG_JSON", "JSON log lines (false = plain text)", s => s.LogJson, (s, v) => s.LogJson = v),

        Int("RATE_LIMIT_MESSAGES", "messages (message_to_host + poll_response) per client per window", s => s.RateLimitMessages, (s, v) => s.RateLimitMessages = v, 1, int.MaxValue),
        Int("RATE_LIMIT_WINDOW_MS", "rate-limit window", s => s.RateLimitWindowMs, (s, v) => s.RateLimitWindowMs = v, 1, int.MaxValue),
        Int("CLEANUP_INTERVAL_MS", "how often the primary node looks for inactive rooms", s => s.CleanupIntervalMs, (s, v) => s.CleanupIntervalMs = v, 10, int.MaxValue),
        Int("INACTIVE_ROOM_THRESHOLD_MS", "a room idle this long is closed by the primary node", s => s.InactiveRoomThresholdMs, (s, v) => s.InactiveRoomThresholdMs = v, 10, int.MaxValue),
        Int("HEARTBEAT_INTERVAL_MS", "node heartbeat interval (nodes:heartbeat)", s => s.HeartbeatIntervalMs, (s, v) => s.HeartbeatIntervalMs = v, 10, int.MaxValue),
        Int("NODE_TIMEOUT_MS", "a node without a heartbeat this long is dead", s => s.NodeTimeoutMs, (s, v) => s.NodeTimeoutMs = v, 10, int.MaxValue),

        Text("ALLOWED_ORIGINS", "comma-separated origins allowed for CORS and WebSocket upgrades, or *", s => s.AllowedOrigins, (s, v) => s.AllowedOrigins = v),
        Int("MAX_MESSAGE_BYTES", "largest inbound packet (Engine.IO maxPayload); over it: close 1009 / HTTP 413", s => s.MaxMessageBytes, (s, v) => s.MaxMessageBytes = v, 1024, 64 << 20),
        Int("MAX_OUTBOUND_BYTES", "bytes queued to one slow client before it is disconnected", s => s.MaxOutboundBytes, (s, v) => s.MaxOutboundBytes = v, 4096, int.MaxValue),
        Int("PING_INTERVAL_MS", "Engine.IO pingInterval", s => s.PingIntervalMs, (s, v) => s.PingIntervalMs = v, 10, int.MaxValue),
        Int("PING_TIMEOUT_MS", "Engine.IO pingTimeout", s => s.PingTimeoutMs, (s, v) => s.PingTimeoutMs = v, 10, int.MaxValue),
        Int("HANDSHAKE_TIMEOUT_MS", "a connection that has not joined a room by then is closed", s => s.HandshakeTimeoutMs, (s, v) => s.HandshakeTimeoutMs = v, 10, int.MaxValue),
        Text("SOCKETIO_PATH", "Socket.IO path", s => s.SocketIOPath, (s, v) => s.SocketIOPath = v, ValidatePath),

        Int("ROOM_CODE_LENGTH", "room code length ([A-Z0-9])", s => s.RoomCodeLength, (s, v) => s.RoomCodeLength = v, 4, 8),
        Int("MAX_META_BYTES", "largest meta object", s => s.MaxMetaBytes, (s, v) => s.MaxMetaBytes = v, 2, int.MaxValue),
        Int("MAX_FREE_TEXT_LENGTH", "longest free-text poll answer (characters)", s => s.MaxFreeTextLength, (s, v) => s.MaxFreeTextLength = v, 1, int.MaxValue),
        Int("MAX_QUEUE_LENGTH", "messages queued for an absent host per room (then QUEUE_FULL)", s => s.MaxQueueLength, (s, v) => s.MaxQueueLength = v, 1, int.MaxValue),

        Int("MAX_CONNECTIONS", "connections this node accepts (0 = unlimited)", s => s.MaxConnections, (s, v) => s.MaxConnections = v, 0, int.MaxValue),
        Int("MAX_CONNECTIONS_PER_IP", "connections per client IP (0 = unlimited)", s => s.MaxConnectionsPerIp, (s, v) => s.MaxConnectionsPerIp = v, 0, int.MaxValue),

        // Hostile peers.
        Int("REQUEST_BODY_TIMEOUT_MS", "an HTTP request body must arrive in full within this time after its head, else the connection is closed (0 = no limit)", s => s.RequestBodyTimeoutMs, (s, v) => s.RequestBodyTimeoutMs = v, 0, int.MaxValue),
        Int("FAILED_HANDSHAKE_LIMIT", "failed handshakes (wrong host key, password, seat token, sign-in token, unknown room) per client IP and window; past it: RATE_LIMITED with retryAfterMs (0 = off)", s => s.FailedHandshakeLimit, (s, v) => s.FailedHandshakeLimit = v, 0, int.MaxValue),
        Int("FAILED_HANDSHAKE_WINDOW_MS", "window of FAILED_HANDSHAKE_LIMIT", s => s.FailedHandshakeWindowMs, (s, v) => s.FailedHandshakeWindowMs = v, 1, int.MaxValue),

        // Engine.IO sessions (issue 9 §2.1, §2.2, §2.4).
        Int("CLOSE_TIMEOUT_MS", "a graceful WebSocket close (queued frames, then the close frame) that has not finished by then is aborted", s => s.CloseTimeoutMs, (s, v) => s.CloseTimeoutMs = v, 10, int.MaxValue),
        Int("MAX_PENDING_SESSIONS", "connections open but not yet joined to a room this node holds; more get HTTP 503 (0 = unlimited)", s => s.MaxPendingSessions, (s, v) => s.MaxPendingSessions = v, 0, int.MaxValue),
        Int("MAX_PENDING_SESSIONS_PER_IP", "the same cap per client IP (0 = unlimited)", s => s.MaxPendingSessionsPerIp, (s, v) => s.MaxPendingSessionsPerIp = v, 0, int.MaxValue),

        Secret("ADMIN_TOKEN", "bearer token for /admin/* and the monitor's data; unset = admin API off (direct loopback allowed with the embedded store)", (s, v) => s.AdminToken = v),
        Text("TLS_CERT_PATH", "PEM certificate: serve https:// and wss:// (with TLS_KEY_PATH)", s => s.TlsCertPath, (s, v) => s.TlsCertPath = v),
        Text("TLS_KEY_PATH", "PEM private key for TLS_CERT_PATH", s => s.TlsKeyPath, (s, v) => s.TlsKeyPath = v),

        Int("DRAIN_TIMEOUT_MS", "on SIGTERM, the longest a drain may take before exit", s => s.DrainTimeoutMs, (s, v) => s.DrainTimeoutMs = v, 0, int.MaxValue),
        Int("DRAIN_RECONNECT_JITTER_MS", "server_draining.reconnectAfterMs is drawn from [0, this)", s => s.DrainReconnectJitterMs, (s, v) => s.DrainReconnectJitterMs = v, 1, int.MaxValue),
        Bool("DEMO_ROOM", "with the embedded store, create and print a demo room at start", s => s.DemoRoom, (s, v) => s.DemoRoom = v),

        // Fleet: metrics export (OpenTelemetry's own variable names), node status, monitor.
        Text("OTEL_EXPORTER_OTLP_ENDPOINT", "export the Cndr meter by OTLP to this endpoint (unset = no export; /metrics always works)", s => s.OtlpEndpoint, (s, v) => s.OtlpEndpoint = v, ValidateUri),
        Text("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc | http/protobuf", s => s.OtlpProtocol, (s, v) => s.OtlpProtocol = v, v => v is "grpc" or "http/protobuf" ? null : $"'{v}' is not grpc or http/protobuf"),
        Int("OTEL_METRIC_EXPORT_INTERVAL", "milliseconds between two OTLP metric exports", s => s.OtlpExportIntervalMs, (s, v) => s.OtlpExportIntervalMs = v, 100, int.MaxValue),
        Int("NODE_STATUS_INTERVAL_MS", "how often a node writes its live status (nodes:status) for the admin API and monitor", s => s.NodeStatusIntervalMs, (s, v) => s.NodeStatusIntervalMs = v, 100, int.MaxValue),
        Text("SID_PREFIX", "routing tag in front of every Engine.IO sid (tag.xxxx; letters and digits) so a balancer keeps a polling session on this node", s => s.SidPrefix, (s, v) => s.SidPrefix = v, v => v.Length <= 16 && v.All(char.IsAsciiLetterOrDigit) ? null : $"'{v}' must be up to 16 letters and digits"),
        Int("MONITOR_INTERVAL_MS", "how often the monitor's event stream sends a fresh view", s => s.MonitorIntervalMs, (s, v) => s.MonitorIntervalMs = v, 100, int.MaxValue),

        // Developer kit: the browser party game, webhooks, JWT sign-in, audience budget.
        Bool("PLAY_PAGES", "serve the browser party game (examples/web) at /play and /play/host", s => s.PlayPages, (s, v) => s.PlayPages = v),
        Int("AUDIENCE_MESSAGE_BUDGET", "message_to_host from the audience per room and window on each node (0 = no room budget); over it: RATE_LIMITED", s => s.AudienceMessageBudget, (s, v) => s.AudienceMessageBudget = v, 0, int.MaxValue),
        Int("AUDIENCE_MESSAGE_WINDOW_MS", "window of AUDIENCE_MESSAGE_BUDGET", s => s.AudienceMessageWindowMs, (s, v) => s.AudienceMessageWindowMs = v, 1, int.MaxValue),
        Secret("JWT_SECRET", "HS256 secret: clients may sign in with auth.token, a JWT {roomCode, role, name?} from the game's backend", (s, v) => s.JwtSecret = v),
        Text("JWT_PUBLIC_KEY", "PEM file of the RSA or EC public key for RS256 / ES256 sign-in tokens (instead of JWT_SECRET)", s => s.JwtPublicKey, (s, v) => s.JwtPublicKey = v),
        Text("JWT_AUDIENCE", "the aud a sign-in token must carry", s => s.JwtAudience, (s, v) => s.JwtAudience = v),

        // Webhooks (issue 15 §3).
        Text("WEBHOOK_URL", "POST room lifecycle events (JSON, signed) to this http(s) URL (unset = no webhooks)", s => s.WebhookUrl, (s, v) => s.WebhookUrl = v, ValidateUri),
        Secret("WEBHOOK_SECRET", "HMAC-SHA256 key of the X-Cndr-Signature header", (s, v) => s.WebhookSecret = v),
        Int("WEBHOOK_QUEUE_LENGTH", "events waiting to be sent; more are dropped and counted", s => s.WebhookQueueLength, (s, v) => s.WebhookQueueLength = v, 1, int.MaxValue),
        Int("WEBHOOK_MAX_ATTEMPTS", "POST attempts per event before it counts as failed", s => s.WebhookMaxAttempts, (s, v) => s.WebhookMaxAttempts = v, 1, 20),
        Int("WEBHOOK_BACKOFF_MS", "wait before the first retry; doubled for each further one", s => s.WebhookBackoffMs, (s, v) => s.WebhookBackoffMs = v, 1, int.MaxValue),
        Int("WEBHOOK_TIMEOUT_MS", "timeout of one POST", s => s.WebhookTimeoutMs, (s, v) => s.WebhookTimeoutMs = v, 10, int.MaxValue),

        // Bounded replies (issue 10 item 1).
        Int("HANDSHAKE_AUDIENCE_LIMIT", "audience members the host's handshake_response lists (every player is listed); the rest by list_clients", s => s.HandshakeAudienceLimit, (s, v) => s.HandshakeAudienceLimit = v, 0, 100_000),
        Int("POLL_RESULTS_TOP", "free-text answers one poll_results / poll_tally lists, most frequent first; the rest by paging", s => s.PollResultsTop, (s, v) => s.PollResultsTop = v, 1, 500),
    ];

    private static SettingDefinition Int(string name, string help, Func<CndrSettings, int> get, Action<CndrSettings, int> set, int min, int max) =>
        new(name, help, s => get(s).ToString(CultureInfo.InvariantCulture), (s, raw) =>
        {
            if (!int.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            {
                return $"'{raw}' is not a whole number";
            }

            if (v < min || v > max)
            {
                return $"{v} is out of range [{min}, {max}]";
            }

            set(s, v);
            return null;
        });

    private static SettingDefinition Bool(string name, string help, Func<CndrSettings, bool> get, Action<CndrSettings, bool> set) =>
        new(name, help, s => get(s) ? "true" : "false", (s, raw) =>
        {
            switch (raw.Trim().ToLowerInvariant())
            {
                case "true" or "1" or "yes" or "on":
                    set(s, true);
                    return null;
                case "false" or "0" or "no" or "off":
                    set(s, false);
                    return null;
                default:
                    return $"'{raw}' is not true/false";
            }
        });

    private static SettingDefinition Text(string name, string help, Func<CndrSettings, string?> get, Action<CndrSettings, string> set, Func<string, string?>? validate = null) =>
        new(name, help, s => get(s) ?? "", (s, raw) =>
        {
            var v = raw.Trim();
            if (validate?.Invoke(v) is { } error)
            {
                return error;
            }

            set(s, v);
            return null;
        });

    // Secrets are never echoed: neither their default nor the rejected value appears anywhere.
    private static SettingDefinition Secret(string name, string help, Action<CndrSettings, string> set) =>
        new(name, help, _ => "", (s, raw) =>
        {
            set(s, raw);
            return null;
        }, IsSecret: true);

    private static string? ValidateIp(string v) => IPAddress.TryParse(v, out _) ? null : $"'{v}' is not an IP address";

    private static string? ValidateUri(string v) =>
        Uri.TryCreate(v, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https") ? null : $"'{v}' is not an http(s) URL";

    private static string? ValidatePath(string v) => v.StartsWith('/') && v.EndsWith('/') && v.Length >= 2 ? null : $"'{v}' must start and end with '/'";

    private static string? ValidateLogLevel(string v) =>
        v.ToLowerInvariant() is "trace" or "debug" or "info" or "information" or "warn" or "warning" or "error" or "critical" or "none"
            ? null
            : $"'{v}' is not one of trace, debug, info, warn, error, none";

    /// <summary>Checks that only make sense across settings.</summary>
    public IEnumerable<string> CrossChecks()
    {
        if (string.IsNullOrEmpty(TlsCertPath) != string.IsNullOrEmpty(TlsKeyPath))
        {
            yield return "TLS_CERT_PATH and TLS_KEY_PATH must be given together";
        }

        if (!string.IsNullOrEmpty(TlsCertPath) && !File.Exists(TlsCertPath))
        {
            yield return $"TLS_CERT_PATH: file '{TlsCertPath}' does not exist";
        }

        if (!string.IsNullOrEmpty(JwtPublicKey) && !File.Exists(JwtPublicKey))
        {
            yield return $"JWT_PUBLIC_KEY: file '{JwtPublicKey}' does not exist";
        }

        if (!string.IsNullOrEmpty(TlsKeyPath) && !File.Exists(TlsKeyPath))
        {
            yield return $"TLS_KEY_PATH: file '{TlsKeyPath}' does not exist";
        }
    }

    public IReadOnlyList<string> ParsedAllowedOrigins() =>
        AllowedOrigins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>One setting: its name (environment variable), help text, default and parser.</summary>
/// <param name="Apply">Parses the raw text into the settings; returns an error (without the name) or null.</param>
internal sealed record SettingDefinition(string Name, string Help, Func<CndrSettings, string> Show, Func<CndrSettings, string, string?> Apply, bool IsSecret = false)
{
    /// <summary>The command-line flag: <c>RATE_LIMIT_MESSAGES</c> → <c>--rate-limit-messages</c>.</summary>
    public string Flag => "--" + Name.ToLowerInvariant().Replace('_', '-');
}
