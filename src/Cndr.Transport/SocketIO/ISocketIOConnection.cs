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
    /// connection is closed. A client whose queued bytes pass the configured limit is disconnected; the limit
    /// bounds a backlog, so one message larger than the limit is still accepted when nothing else is queued.
    /// </summary>
    bool Send(OutboundMessage message);

    /// <summary>
    /// Bytes queued to this client and not yet handed to its transport (what <see cref="Send"/> counts against the
    /// outbound limit). Lets a producer that can wait (e.g. a backlog drain) send only what the client can take.
    /// </summary>
    long QueuedBytes => 0;

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

    /// <summary>
    /// The application accepted this client (for the relay: it joined a room). Until then its Engine.IO session
    /// counts against the caps on sessions not yet established (per node and per client address). Idempotent.
    /// </summary>
    void MarkEstablished()
    {
    }

    /// <summary>
    /// Server-initiated emit with an acknowledgement: sends EVENT <paramref name="eventJsonArray"/>
    /// (e.g. <c>["ping",1]</c>) with a fresh ack id. Exactly one of <see cref="ISocketIOAckHandler.OnAck"/> or
    /// <see cref="ISocketIOAckHandler.OnAckTimeout"/> is called later. Pending acks sit in one table per server
    /// swept by the shared timer. Returns false (and calls nothing) when the connection is closed.
    /// </summary>
    bool EmitWithAck(ReadOnlySpan<byte> eventJsonArray, ISocketIOAckHandler handler, object? state, int timeoutMs) => false;
}

/// <summary>Receives the outcome of <see cref="ISocketIOConnection.EmitWithAck"/>.</summary>
public interface ISocketIOAckHandler
{
    /// <summary>The client acknowledged. <paramref name="argsJsonArray"/> (and attachments) are valid only during the call.</summary>
    void OnAck(ISocketIOConnection connection, object? state, ReadOnlyMemory<byte> argsJsonArray, IReadOnlyList<ReadOnlyMemory<byte>> attachments);

    /// <summary>No ack within the timeout (or the connection closed first). Called on a thread-pool thread.</summary>
    void OnAckTimeout(ISocketIOConnection connection, object? state);
}
