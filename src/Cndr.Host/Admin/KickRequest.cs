namespace Cndr.Host.Admin;

/// <summary>Body of <c>POST /admin/rooms/{code}/kick</c>.</summary>
internal sealed record KickRequest(string? ClientId);
