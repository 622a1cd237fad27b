namespace Cndr.Host.Admin;

/// <summary>A machine-readable code (e.g. <c>ROOM_NOT_FOUND</c>) and a sentence for people.</summary>
internal sealed record AdminErrorBody(string Code, string Message);
