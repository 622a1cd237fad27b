namespace Cndr.Transport.SocketIO;

/// <summary>
/// The application side of one Socket.IO namespace. The transport calls it for every namespace
/// CONNECT, EVENT and disconnect. Calls for one connection are never concurrent and arrive in the
/// order the client sent them; the next packet of a connection is not read until the
/// <see cref="ValueTask"/> of the previous one has completed.
/// </summary>
public interface ISocketIOHandler
{
    /// <summary>
    /// A client asks to join the namespace. <paramref name="auth"/> is the raw JSON of the CONNECT
    /// payload (an object), or empty when the client sent none. Valid only until the returned task completes.
    /// </summary>
    ValueTask<ConnectDecision> OnConnectAsync(ISocketIOConnection connection, ReadOnlyMemory<byte> auth);

    /// <summary>
    /// The CONNECT reply has been queued; anything sent from here on follows it on the wire.
    /// Called only for accepted connections.
    /// </summary>
    void OnConnected(ISocketIOConnection connection);

    /// <summary>
    /// An EVENT (or BINARY_EVENT) arrived. The memory in <paramref name="evt"/> is valid only until
    /// the returned task completes: copy what must outlive it.
    /// </summary>
    ValueTask OnEventAsync(ISocketIOConnection connection, SocketIOEvent evt);

    /// <summary>
    /// The client left the namespace or the underlying connection closed. Called exactly once for
    /// each accepted connection, after which the connection drops anything sent to it.
    /// </summary>
    void OnDisconnected(ISocketIOConnection connection, DisconnectReason reason);
}
