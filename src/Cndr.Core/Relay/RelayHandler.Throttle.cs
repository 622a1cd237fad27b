using Cndr.Core.Diagnostics;
using Cndr.Core.Protocol;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    /// <summary>0 when the session's address may try a handshake now, else the milliseconds until it may (then counted and logged).</summary>
    private long HandshakeRetryAfter(ClientSession session, HandshakeRequest request)
    {
        var retryAfter = _handshakeThrottle.RetryAfterMs(session.Connection.RemoteAddress, NowMs);
        if (retryAfter > 0)
        {
            _counters.HandshakeThrottled();
            if (_logThrottle.TryLog(ClientLogKind.RateLimited))
            {
                RelayLog.HandshakeThrottled(_logger, "handshake_throttled", request.Code.ToString(), RelayEvents.RoleText(request.Role), retryAfter);
            }
        }

        return retryAfter;
    }

    /// <summary>A guess that failed (secret, sign-in token or room code) counts against the session's address.</summary>
    private void CountFailedHandshake(ClientSession session, ErrorCode error)
    {
        if (error is ErrorCode.InvalidHostKey or ErrorCode.InvalidPassword or ErrorCode.InvalidSeatToken or ErrorCode.InvalidToken or ErrorCode.RoomNotFound)
        {
            _handshakeThrottle.RecordFailure(session.Connection.RemoteAddress, NowMs);
        }
    }

    /// <summary>Part of the shared sweep: expires failed-handshake windows and reports suppressed log lines.</summary>
    private void SweepThrottles(long nowMs)
    {
        _handshakeThrottle.Sweep(nowMs);
        _logThrottle.Flush(nowMs, _reportSuppressed);
    }

    private void ReportSuppressed(ClientLogKind kind, long count, int intervalMs)
        => RelayLog.Suppressed(_logger, "log_suppressed", kind switch
        {
            ClientLogKind.Forbidden => "unauthorized_message",
            ClientLogKind.RateLimited => "rate_limit_exceeded",
            ClientLogKind.AuthFailed => "auth_failed",
            _ => "malformed_packet",
        }, count, intervalMs);
}
