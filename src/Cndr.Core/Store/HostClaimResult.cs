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

    /// <summary>
    /// Every held seat (connected or not) and at most the claim's <c>audienceLimit</c> audience members, in join order
    /// (<see cref="ClientCursor"/>).
    /// </summary>
    public IReadOnlyList<ClientInfo> Clients { get; init; } = [];

    /// <summary>Held seats in the room.</summary>
    public long PlayerCount { get; init; }

    /// <summary>Audience members in the room (listed or not).</summary>
    public long AudienceCount { get; init; }

    /// <summary>
    /// When <see cref="Clients"/> stopped at the audience limit and more audience members exist: the cursor of the last
    /// one listed, for <see cref="IRelayStore.ListClientsAsync"/> with the audience role. Null when every member is listed.
    /// </summary>
    public string? AudienceCursor { get; init; }
}
