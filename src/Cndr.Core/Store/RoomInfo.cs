namespace Cndr.Core.Store;

/// <summary>What the admin API may show about a room: no secrets.</summary>
public sealed record RoomInfo(
    RoomCode Code,
    bool HasPassword,
    int MaxPlayers,
    int MaxAudience,
    long CreatedAt,
    int PlayerCount,
    int AudienceCount,
    bool HostConnected,
    long LastActivityMs,
    long GameStateRev);
