namespace Cndr.Core.Store;

/// <summary>One member of a room as the host sees it in its handshake response.</summary>
/// <param name="ClientId">Player clientId, or the audience member's connection id.</param>
/// <param name="Role">Player or audience.</param>
/// <param name="Meta">The member's meta JSON object (bytes, owned by the caller).</param>
/// <param name="Connected">False for a player whose seat is held while disconnected.</param>
/// <param name="JoinedAtMs">First join time (Unix ms); a reclaim keeps it.</param>
public sealed record ClientInfo(string ClientId, ClientRole Role, ReadOnlyMemory<byte> Meta, bool Connected, long JoinedAtMs);
