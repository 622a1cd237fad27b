namespace Cndr.Core.Diagnostics;

/// <summary>Warn-level log lines a client can cause at will; each kind has its own budget in <see cref="LogThrottle"/>.</summary>
internal enum ClientLogKind
{
    Forbidden,
    RateLimited,
    AuthFailed,
    Malformed,
}
