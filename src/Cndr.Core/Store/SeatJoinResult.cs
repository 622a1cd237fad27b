namespace Cndr.Core.Store;

/// <summary>Result of <see cref="IRelayStore.JoinPlayerAsync"/> and <see cref="IRelayStore.ReclaimSeatAsync"/>.</summary>
public sealed class SeatJoinResult
{
    public JoinOutcome Outcome { get; init; }

    /// <summary>First join time of the seat (Unix ms).</summary>
    public long JoinedAtMs { get; init; }

    /// <summary>The seat's meta after this join (the new one, or the kept one on a reclaim without meta).</summary>
    public ReadOnlyMemory<byte> Meta { get; init; }

    /// <summary>Reclaim only: the connection that held the seat until now (to be kicked with SEAT_TAKEN_OVER), or null when the seat was disconnected.</summary>
    public string? PreviousConnectionId { get; init; }

    /// <summary>The node of <see cref="PreviousConnectionId"/>.</summary>
    public string? PreviousNodeId { get; init; }

    public ReadOnlyMemory<byte> GameState { get; init; }

    public long GameStateRev { get; init; }

    /// <summary>The seat's player state (empty when never set; always empty for a new seat).</summary>
    public ReadOnlyMemory<byte> PlayerState { get; init; }

    public long PlayerStateRev { get; init; }

    /// <summary>True when a host connection is recorded for the room.</summary>
    public bool HostConnected { get; init; }
}
