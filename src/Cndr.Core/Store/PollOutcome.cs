namespace Cndr.Core.Store;

/// <summary>Outcome of <see cref="IRelayStore.EndPollAsync"/> and <see cref="IRelayStore.RecordPollResponseAsync"/>.</summary>
public enum PollOutcome : byte
{
    /// <summary>Ended / recorded.</summary>
    Ok,
    /// <summary>No such poll (or no such room).</summary>
    PollNotFound,
    /// <summary>The poll has ended: nothing changed.</summary>
    PollNotActive,

    /// <summary>End only: the caller is no longer the room's host connection (replaced): nothing changed.</summary>
    NotHost,
}
