namespace Cndr.Transport.EngineIO;

/// <summary>Engine.IO (and Socket.IO connect) settings.</summary>
public sealed class EngineIOOptions
{
    /// <summary>Request path, e.g. <c>/socket.io/</c>.</summary>
    public string Path { get; set; } = "/socket.io/";

    /// <summary>Milliseconds between server pings.</summary>
    public int PingInterval { get; set; } = 25_000;

    /// <summary>Milliseconds the client has to answer a ping (counted from when the ping was queued).</summary>
    public int PingTimeout { get; set; } = 20_000;

    /// <summary>Largest packet (WebSocket message or polling POST body) in bytes; above it: WS close 1009, HTTP 413.</summary>
    public int MaxPayload { get; set; } = 65_536;

    /// <summary>Bytes a session may have queued for sending; above it the client is dropped (slow consumer).</summary>
    public long MaxOutboundBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Milliseconds a graceful WebSocket close may take (queued frames and the close frame flushed) before the
    /// connection is aborted: a peer that never reads cannot hold the session.
    /// </summary>
    public int CloseTimeout { get; set; } = 5_000;

    /// <summary>
    /// Sessions open but not yet established (the application has not called
    /// <see cref="EngineIOSession.MarkEstablished"/>, e.g. not joined a room) this endpoint holds at most; further
    /// handshakes get 503. 0 = unlimited.
    /// </summary>
    public int MaxPendingSessions { get; set; } = 10_000;

    /// <summary>The same cap per client address. 0 = unlimited.</summary>
    public int MaxPendingSessionsPerAddress { get; set; } = 200;

    /// <summary>Milliseconds a client has after the Engine.IO open to CONNECT a Socket.IO namespace.</summary>
    public int ConnectTimeout { get; set; } = 45_000;

    /// <summary>Largest number of binary attachments in one Socket.IO packet.</summary>
    public int MaxAttachments { get; set; } = 10;

    /// <summary>Allow the WebSocket transport (and the polling→websocket upgrade).</summary>
    public bool AllowWebSocket { get; set; } = true;

    /// <summary>Allow the polling transport.</summary>
    public bool AllowPolling { get; set; } = true;

    /// <summary>Origins allowed for browser clients (CORS on polling, Origin check on WebSocket); "*" = any.</summary>
    public IList<string> AllowedOrigins { get; } = ["*"];

    /// <summary>
    /// A routing tag written in front of every sid as <c>tag.</c> (letters and digits, empty = none), so a load
    /// balancer can send every request of a polling session to the node that made it (deploy/nginx/cndr.conf).
    /// </summary>
    public string SidPrefix { get; set; } = "";
}

/// <summary>
/// Live counters of an <see cref="EngineIOServer"/> (Interlocked longs; read them at any time).
/// </summary>
public sealed class EngineIOCounters
{
    internal long _openWebSockets;
    internal long _pollingSessions;
    internal long _bytesIn;
    internal long _bytesOut;
    internal long _handshakes;
    internal long _slowConsumers;
    internal long _pendingSessions;
    internal long _refusedSessions;

    /// <summary>WebSocket connections currently open.</summary>
    public long OpenWebSockets => Volatile.Read(ref _openWebSockets);

    /// <summary>Sessions currently on the polling transport.</summary>
    public long PollingSessions => Volatile.Read(ref _pollingSessions);

    /// <summary>Engine.IO payload bytes received (WebSocket messages, POST bodies).</summary>
    public long BytesIn => Volatile.Read(ref _bytesIn);

    /// <summary>Engine.IO bytes sent (WebSocket frames, polling response bodies).</summary>
    public long BytesOut => Volatile.Read(ref _bytesOut);

    /// <summary>Sessions opened since start.</summary>
    public long Handshakes => Volatile.Read(ref _handshakes);

    /// <summary>Sessions open but not yet established (see <see cref="EngineIOOptions.MaxPendingSessions"/>).</summary>
    public long PendingSessions => Volatile.Read(ref _pendingSessions);

    /// <summary>Handshakes refused because a cap on pending sessions was reached.</summary>
    public long RefusedSessions => Volatile.Read(ref _refusedSessions);

    /// <summary>Sessions dropped because their outbound queue passed the limit.</summary>
    public long SlowConsumers => Volatile.Read(ref _slowConsumers);
}
