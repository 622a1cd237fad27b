namespace Cndr.Core.Store;

/// <summary>Outcome of <see cref="IRelayStore.StartPollAsync"/>.</summary>
public enum PollStartOutcome : byte
{
    Started,
    PollExists,
    RoomNotFound,

    /// <summary>The caller is no longer the room's host connection (replaced): nothing was written.</summary>
    NotHost,
}
