namespace Cndr.Host.Admin;

/// <summary>Reply of a successful kick.</summary>
internal sealed record KickResult(string RoomCode, string ClientId, bool Kicked);
