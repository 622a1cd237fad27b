namespace Cndr.Core.Store;

/// <summary>One page of a room's members (<see cref="IRelayStore.ListClientsAsync"/>, the host's <c>list_clients</c>).</summary>
/// <param name="Clients">Players and/or audience members in join order (oldest first); the host is never listed.</param>
/// <param name="NextCursor">Where the next page starts (<see cref="ClientCursor"/>), or null when this page reached the end.</param>
/// <param name="PlayerCount">Held seats in the room (<c>playerCount</c>).</param>
/// <param name="AudienceCount">Audience members in the room (<c>audienceCount</c>).</param>
public sealed record ClientPage(IReadOnlyList<ClientInfo> Clients, string? NextCursor, long PlayerCount, long AudienceCount);
