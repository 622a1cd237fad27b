using Cndr.Core.Store;

namespace Cndr.Core.Rooms;

/// <summary>What a valid sign-in token (a JWT from the game's backend) says: the room, the role and a player's name.</summary>
/// <param name="RoomCode">The room the token admits to (compared case-insensitively).</param>
/// <param name="Role">The role it grants; a host token replaces the host key, any other never does.</param>
/// <param name="PlayerName">A player's display name (becomes <c>meta.playerName</c>), or null.</param>
public sealed record JoinToken(string RoomCode, ClientRole Role, string? PlayerName);
