using System.Net;

namespace Cndr.Transport.SocketIO;

/// <summary>
/// One client's membership of one namespace: what the application uses to talk to it.
/// Thread-safe: any thread may send to any connection.
/// </summary>
public interface ISocketIOConnection
{
    /// <summary>The Socket.IO socket id (the <c>sid</c> of the CONNECT reply). Opaque, unique per server.</summary>
    string Id { get; }

    /// <summary>The namespace, e.g. <c>/</c>.</summary>
    string Namespace { get; }

    /// <summary>The address of the remote peer, when known.</summary>
    IPAddress? RemoteAddress { get; }

    /// <summary>True while the underlying Engine.IO transport is websocket (false on long-polling).</summary>
    bool IsWebSocket { get; }

    /// <summary>Free slot for the application's per-connection state (no dictionary lookups on the hot path).</summary>
    object? UserState { get; set; }

    /// <summary>
    /// Queues a pre-encoded message (the connection takes its own reference). Returns false when the
    /// connection is closed. A client whose queued bytes pass the configured limit is disconnected.
    /// </summary>
    bool Send(OutboundMessage message);

    /// <summary>Queues an ACK for <paramref name="ackId"/> whose arguments are <paramref name="argsJsonArray"/> (a JSON array, e.g. <c>[{"status":"ok"}]</c>).</summary>
    bool SendAck(long ackId, ReadOnlySpan<byte> argsJsonArray);

    /// <summary>
    /// Server-side Socket.IO disconnect: queues a DISCONNECT packet for this namespace, flushes what is
    /// queued, then closes the Engine.IO session. Stock clients do not reconnect after it.
    /// </summary>
    void Disconnect();

    /// <summary>
    /// Closes the Engine.IO session without a Socket.IO DISCONNECT (after flushing what is queued):
    /// stock clients treat it as a transport close and reconnect.
    /// </summary>
    void CloseTransport();
}
