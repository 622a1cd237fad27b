namespace Cndr.Core.Tests.Redis;

/// <summary>
/// Test classes that hold the transport's epoll thread on purpose (a listener blocked for half a second, calls kept in a
/// write batch for 300 ms) or that time a reply against a short limit (a 500 ms operation timeout, a 200 ms keepalive).
/// A process has one such thread per two cores (one on a two-core machine), shared by the fast Redis connections of every
/// test, so xunit runs these classes one after another; everything else still runs in parallel with them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ReadinessLoopCollection
{
    public const string Name = "readiness loop";
}
