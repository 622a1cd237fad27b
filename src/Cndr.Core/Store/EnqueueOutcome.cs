namespace Cndr.Core.Store;

/// <summary>Outcome of <see cref="IRelayStore.EnqueueToHostAsync"/>.</summary>
public enum EnqueueOutcome : byte
{
    /// <summary>Appended to the tail of the room's to-host queue.</summary>
    Queued,
    /// <summary>The queue already holds the maximum number of entries: nothing appended.</summary>
    QueueFull,
    /// <summary>The room does not exist.</summary>
    RoomNotFound,
}
