namespace Cndr.Transport.SocketIO;

/// <summary>Why a Socket.IO connection ended (recorded as an enum, never a string on the hot path).</summary>
public enum DisconnectReason
{
    /// <summary>The client sent DISCONNECT for the namespace.</summary>
    ClientNamespaceDisconnect,
    /// <summary>The server called <see cref="ISocketIOConnection.Disconnect"/>.</summary>
    ServerNamespaceDisconnect,
    /// <summary>The client closed the Engine.IO session (close packet or socket closed).</summary>
    TransportClose,
    /// <summary>The transport failed (I/O error, protocol error on the socket).</summary>
    TransportError,
    /// <summary>No pong within pingInterval + pingTimeout.</summary>
    PingTimeout,
    /// <summary>The client sent something that is not a valid packet.</summary>
    ParseError,
    /// <summary>The client's outbound queue passed its byte limit.</summary>
    SlowConsumer,
    /// <summary>The server closed the transport (<see cref="ISocketIOConnection.CloseTransport"/> or shutdown).</summary>
    ServerShutdown,
}
