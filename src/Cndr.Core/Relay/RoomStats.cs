namespace Cndr.Core.Relay;

/// <summary>Rooms as this node sees them (for <c>/metrics</c>).</summary>
/// <param name="Local">Rooms with at least one local connection.</param>
/// <param name="Hosted">Rooms whose host is connected here (this node is their host node).</param>
/// <param name="Idle">Hosted rooms without activity for the inactivity threshold.</param>
public readonly record struct RoomStats(int Local, int Hosted, int Idle);
