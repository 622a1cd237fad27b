namespace Cndr.Core.Store;

/// <summary>Outcome of ending one connection's membership (host release, player disconnect/leave, audience removal).</summary>
public enum ConnectionEndOutcome : byte
{
    /// <summary>The record belonged to this connection and has been updated/removed.</summary>
    Done,
    /// <summary>The record exists but belongs to a newer connection (seat taken over / host replaced): nothing changed.</summary>
    NotCurrent,
    /// <summary>No such record (room closed, seat freed, already removed).</summary>
    NotFound,
}
