namespace Cndr.Core.Store;

/// <summary>A room's current game state (opaque JSON, owned by the caller; empty before the first write) and its revision.</summary>
public sealed record GameStateSnapshot(ReadOnlyMemory<byte> State, long Rev);
