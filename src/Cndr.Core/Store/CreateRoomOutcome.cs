namespace Cndr.Core.Store;

/// <summary>Outcome of <see cref="IRelayStore.CreateRoomAsync"/>.</summary>
public enum CreateRoomOutcome : byte
{
    /// <summary>The room did not exist and has been created.</summary>
    Created,
    /// <summary>A room with that code exists (nothing was changed).</summary>
    AlreadyExists,
}
