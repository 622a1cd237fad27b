namespace Cndr.Core.Store;

/// <summary>
/// One member of a room as an operator sees it (admin API, monitor): the connected host, every held player seat
/// (connected or not) and every audience member. No secrets, no meta.
/// </summary>
/// <param name="ClientId">Player clientId; connection id for the host and audience.</param>
/// <param name="ConnectionId">The member's current connection (null while a player is away).</param>
/// <param name="NodeId">The node the member is connected to (null while away).</param>
/// <param name="JoinedAtMs">When the member joined (Unix ms; a seat keeps its first join).</param>
public sealed record MemberInfo(string ClientId, ClientRole Role, string? ConnectionId, string? NodeId, long JoinedAtMs)
{
    public bool Connected => ConnectionId is not null;
}
