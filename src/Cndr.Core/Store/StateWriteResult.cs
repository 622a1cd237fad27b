namespace Cndr.Core.Store;

/// <summary>Result of <see cref="IRelayStore.SetGameStateAsync"/> / <see cref="IRelayStore.SetPlayerStateAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Rev">The revision now stored (exactly previous + 1) when written.</param>
/// <param name="PlayerConnectionId">Player state only: the seat's current connection id, or null while the player is disconnected.</param>
public readonly record struct StateWriteResult(StateWriteOutcome Outcome, long Rev, string? PlayerConnectionId = null);
