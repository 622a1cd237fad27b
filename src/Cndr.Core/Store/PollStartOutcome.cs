namespace Cndr.Core.Store;

/// <summary>Outcome of <see cref="IRelayStore.StartPollAsync"/>.</summary>
public enum PollStartOutcome : byte
{
    Started,
    PollExists,
    RoomNotFound,
}
