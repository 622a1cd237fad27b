namespace Cndr.Core.Store;

/// <summary>
/// Configuration of a room as written by its creator (<c>room:config:&lt;code&gt;</c>). Immutable for the
/// life of the room. Contains secrets: never log it or put it on the wire.
/// </summary>
/// <param name="HostKey">Secret that authenticates the host.</param>
/// <param name="Password">Player password; empty string when the room has none.</param>
/// <param name="MaxPlayers">Seat limit (0 = unlimited).</param>
/// <param name="MaxAudience">Audience limit (0 = unlimited).</param>
/// <param name="CreatedAt">Whatever the creator wrote (the admin API writes Unix seconds, PROTOCOL §8.4).</param>
public sealed record RoomConfig(string HostKey, string Password, int MaxPlayers, int MaxAudience, long CreatedAt)
{
    /// <summary>True when players must present a password.</summary>
    public bool HasPassword => Password.Length != 0;

    /// <summary>Never prints the secrets.</summary>
    public override string ToString() =>
        $"RoomConfig {{ HasPassword = {HasPassword}, MaxPlayers = {MaxPlayers}, MaxAudience = {MaxAudience}, CreatedAt = {CreatedAt} }}";
}
