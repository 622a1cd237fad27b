namespace Cndr.Host.Admin;

/// <summary>The body of every admin error: <c>{"error":{"code","message"}}</c>.</summary>
internal sealed record AdminError(AdminErrorBody Error);
