using Cndr.Core.Protocol;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    /// <summary>Logs a refused handshake; a wrong secret is also an <c>auth_failed</c> security event and is counted.</summary>
    private void LogRefusal(HandshakeRequest? request, ErrorCode error)
    {
        var room = request?.Code.ToString() ?? "?";
        var role = request is null ? "?" : RelayEvents.RoleText(request.Role);
        var reason = error switch
        {
            ErrorCode.InvalidHostKey => "invalid_host_key",
            ErrorCode.InvalidPassword => "invalid_password",
            ErrorCode.InvalidSeatToken => "invalid_seat_token",
            ErrorCode.InvalidToken => "invalid_token",
            _ => null,
        };
        if (reason is not null)
        {
            _counters.AuthFailed();
            if (_logThrottle.TryLog(Diagnostics.ClientLogKind.AuthFailed))
            {
                RelayLog.AuthFailed(_logger, "auth_failed", room, role, reason);
            }
        }
        else
        {
            RelayLog.HandshakeRefused(_logger, "handshake_refused", room, role, error.ToString());
        }
    }
}
