using Cndr.Core.Store;
using Microsoft.Extensions.Logging;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    // Never log secrets (host keys, passwords, seat tokens) or opaque payloads.
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Handshake refused for room {Room} as {Role}: {Code}")]
        public static partial void HandshakeRefused(ILogger logger, string room, string role, string code);

        [LoggerMessage(2, LogLevel.Debug, "Connection {ConnectionId} closed: no handshake in time")]
        public static partial void HandshakeTimeout(ILogger logger, string connectionId);

        [LoggerMessage(3, LogLevel.Information, "Rate limit hit in room {Room} by a {Role}")]
        public static partial void RateLimited(ILogger logger, RoomCode room, ClientRole role);

        [LoggerMessage(4, LogLevel.Warning, "Store unavailable during {Operation}")]
        public static partial void StoreUnavailable(ILogger logger, Exception exception, string operation);

        [LoggerMessage(5, LogLevel.Error, "Unexpected error while handling {Operation}")]
        public static partial void UnexpectedError(ILogger logger, Exception exception, string operation);

        [LoggerMessage(6, LogLevel.Warning, "Room {Room}: {Count} queued host messages dropped (host left during the drain)")]
        public static partial void DrainDropped(ILogger logger, string room, int count);

        [LoggerMessage(7, LogLevel.Information, "Room {Room} closed ({Reason})")]
        public static partial void RoomClosed(ILogger logger, string room, string reason);
    }
}
