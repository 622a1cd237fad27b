namespace Cndr.Core.Store;

/// <summary>Result of <see cref="IRelayStore.JoinAudienceAsync"/>.</summary>
public sealed class AudienceJoinResult
{
    public JoinOutcome Outcome { get; init; }

    public long JoinedAtMs { get; init; }

    public ReadOnlyMemory<byte> GameState { get; init; }

    public long GameStateRev { get; init; }

    public bool HostConnected { get; init; }

    /// <summary>Polls that are active now, in start order.</summary>
    public IReadOnlyList<PollDefinition> ActivePolls { get; init; } = [];
}
