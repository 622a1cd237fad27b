namespace Cndr.Core.Store;

/// <summary>Outcome of <see cref="IRelayStore.ListClientsAsync"/>.</summary>
public enum ClientPageOutcome : byte
{
    /// <summary>The page is in the result.</summary>
    Ok,

    /// <summary>No such room.</summary>
    RoomNotFound,

    /// <summary>The caller is no longer the room's host connection (replaced): nothing listed.</summary>
    NotHost,
}
