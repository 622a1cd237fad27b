namespace Cndr.Core;

/// <summary>A room created through <see cref="RoomAdmin.CreateRoomAsync"/>: what its creator hands to the host.</summary>
/// <param name="Code">The room code.</param>
/// <param name="HostKey">The host key (secret: give it only to the host).</param>
public sealed record CreatedRoom(RoomCode Code, string HostKey)
{
    /// <summary>Never prints the host key.</summary>
    public override string ToString() => $"CreatedRoom {{ Code = {Code} }}";
}
