namespace Cndr.Core.Store;

/// <summary>Result of <see cref="IRelayStore.SetGameStateAsync"/> / <see cref="IRelayStore.SetPlayerStateAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Rev">The revision now stored (exactly previous + 1) when written.</param>
/// <param name="PlayerConnectionId">Player state only: the seat's current connection id, or null while the player is disconnected.</param>
/// <param name="ChannelSubscribers">
/// Game state only: how many connections were subscribed to the room's bus channel when the write was made (counted by the
/// store in the same atomic step), or -1 when the store does not tell. <see cref="IRoomBus.NeedsPublish"/> uses it to skip a
/// publication nobody else would receive.
/// </param>
/// <param name="Published">
/// Game state only: the store itself published the state on the room's bus channel in the same atomic step (see
/// <see cref="IRelayStore.SetGameStateAsync"/>); the relay does not publish it again.
/// </param>
public readonly record struct StateWriteResult(StateWriteOutcome Outcome, long Rev, string? PlayerConnectionId = null, int ChannelSubscribers = -1, bool Published = false);
