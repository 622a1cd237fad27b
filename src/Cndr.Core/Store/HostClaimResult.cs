namespace Cndr.Core.Store;

/// <summary>Result of <see cref="IRelayStore.ClaimHostAsync"/>.</summary>
public sealed class HostClaimResult
{
    public JoinOutcome Outcome { get; init; }

    /// <summary>The connection that held the host role until this claim (to be kicked with HOST_REPLACED), or null.</summary>
    public string? PreviousConnectionId { get; init; }

    /// <summary>The node of <see cref="PreviousConnectionId"/>.</summary>
    public string? PreviousNodeId { get; init; }

    /// <summary>True when no host had ever claimed the room before this claim (the room is activated: webhook <c>room_activated</c>).</summary>
    public bool FirstHost { get; init; }

    /// <summary>Current game state (empty when never set).</summary>
    public ReadOnlyMemory<byte> GameState { get; init; }

    public long GameStateRev { get; init; }

    /// <summary>Held seats (connected or not) and audience members, oldest join first.</summary>
    public IReadOnlyList<ClientInfo> Clients { get; init; } = [];
}
