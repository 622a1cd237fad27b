namespace Cndr.Core.Relay;

/// <summary>How one pass of a to-host drain ended (see <see cref="ToHostQueue.EndPass"/>).</summary>
internal enum DrainPass : byte
{
    /// <summary>The store queue was empty.</summary>
    Empty,
    /// <summary>Entries were written (or the host is still busy with earlier ones): look again.</summary>
    More,
    /// <summary>The host's connection is closed: what was not written stays queued.</summary>
    HostGone,
}
