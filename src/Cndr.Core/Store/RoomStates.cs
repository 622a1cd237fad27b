namespace Cndr.Core.Store;

/// <summary>
/// What a node re-reads to resync its clients after a bus gap: the room's game state and, in the order asked for,
/// each player's private state with its <c>playerStateRev</c> (empty state and rev 0 when none was set or the seat is
/// gone). Read in one atomic step, so every state matches its rev.
/// </summary>
public sealed record RoomStates(GameStateSnapshot Game, IReadOnlyList<GameStateSnapshot> Players);
