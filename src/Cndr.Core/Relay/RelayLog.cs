using Cndr.Core.Store;
using Microsoft.Extensions.Logging;

namespace Cndr.Core.Relay;

/// <summary>
/// The relay's log events, each with its <c>event</c> field. Never log secrets (host keys, passwords,
/// seat tokens) or opaque payloads.
/// </summary>
internal static partial class RelayLog
{
    [LoggerMessage(1, LogLevel.Debug, "{event} room {roomCode} as {role}: {code}")]
    public static partial void HandshakeRefused(ILogger logger, string @event, string roomCode, string role, string code);

    [LoggerMessage(2, LogLevel.Debug, "{event} connection {connectionId}: no handshake in time")]
    public static partial void HandshakeTimeout(ILogger logger, string @event, string connectionId);

    [LoggerMessage(3, LogLevel.Warning, "{event} client {clientId} in room {roomCode} ({role}), budget {messageCount} per window")]
    public static partial void RateLimitExceeded(ILogger logger, string @event, string clientId, string roomCode, ClientRole role, int messageCount);

    [LoggerMessage(4, LogLevel.Warning, "Store unavailable during {operation}")]
    public static partial void StoreUnavailable(ILogger logger, Exception exception, string operation);

    [LoggerMessage(5, LogLevel.Error, "Unexpected error while handling {operation}")]
    public static partial void UnexpectedError(ILogger logger, Exception exception, string operation);


    [LoggerMessage(7, LogLevel.Information, "{event} room {roomCode} ({reason})")]
    public static partial void RoomClosed(ILogger logger, string @event, string roomCode, string reason);

    [LoggerMessage(8, LogLevel.Information, "{event} room {roomCode} {role} {clientId} on node {nodeId}")]
    public static partial void ClientConnected(ILogger logger, string @event, string roomCode, string role, string clientId, string nodeId);

    [LoggerMessage(9, LogLevel.Information, "{event} room {roomCode} {role} {clientId}: {reason}")]
    public static partial void ClientDisconnected(ILogger logger, string @event, string roomCode, string role, string clientId, string reason);

    [LoggerMessage(10, LogLevel.Information, "{event} room {roomCode} host node {hostNodeId}")]
    public static partial void RoomActivated(ILogger logger, string @event, string roomCode, string hostNodeId);

    [LoggerMessage(11, LogLevel.Information, "{event} room {roomCode} from node {oldNodeId} to {newNodeId}")]
    public static partial void HostNodeChanged(ILogger logger, string @event, string roomCode, string oldNodeId, string newNodeId);

    [LoggerMessage(12, LogLevel.Warning, "{event} room {roomCode} as {role}: {reason}")]
    public static partial void AuthFailed(ILogger logger, string @event, string roomCode, string role, string reason);

    [LoggerMessage(13, LogLevel.Warning, "{event} client {clientId} in room {roomCode} ({role}) sent {messageType}")]
    public static partial void UnauthorizedMessage(ILogger logger, string @event, string clientId, string roomCode, ClientRole role, string messageType);

    [LoggerMessage(14, LogLevel.Warning, "{event} {kind}: {count} similar lines suppressed in the last {intervalMs} ms")]
    public static partial void Suppressed(ILogger logger, string @event, string kind, long count, int intervalMs);

    [LoggerMessage(15, LogLevel.Warning, "{event} connection {connectionId} closed: malformed packet")]
    public static partial void MalformedPacket(ILogger logger, string @event, string connectionId);

    [LoggerMessage(16, LogLevel.Warning, "{event} room {roomCode} as {role}: too many failed handshakes from this address, retry after {retryAfterMs} ms")]
    public static partial void HandshakeThrottled(ILogger logger, string @event, string roomCode, string role, long retryAfterMs);
}
