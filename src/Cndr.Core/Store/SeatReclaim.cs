namespace Cndr.Core.Store;

/// <summary>A reclaim of a held seat (<see cref="IRelayStore.ReclaimSeatAsync"/>).</summary>
/// <param name="ClientId">The seat's clientId.</param>
/// <param name="SeatTokenHash">SHA-256 of the presented token (32 bytes), or empty when none was presented (→ InvalidSeatToken).</param>
/// <param name="ConnectionId">The connection taking the seat over.</param>
/// <param name="NodeId">The node of that connection.</param>
/// <param name="Meta">New meta JSON, or empty to keep the stored one (PROTOCOL §8.14).</param>
/// <param name="NowMs">Now (Unix ms).</param>
public readonly record struct SeatReclaim(string ClientId, ReadOnlyMemory<byte> SeatTokenHash, string ConnectionId, string NodeId, ReadOnlyMemory<byte> Meta, long NowMs);
