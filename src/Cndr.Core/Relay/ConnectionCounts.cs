namespace Cndr.Core.Relay;

/// <summary>Connections of one node by role (for <c>/health</c>).</summary>
public readonly record struct ConnectionCounts(long Host, long Player, long Audience, long Pending);
