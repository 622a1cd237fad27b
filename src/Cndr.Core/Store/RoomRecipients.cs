namespace Cndr.Core.Store;

/// <summary>Which local connections of a room a <see cref="RoomBusKind.Deliver"/> message is for.</summary>
[Flags]
public enum RoomRecipients : byte
{
    None = 0,
    /// <summary>The host connection.</summary>
    Host = 1,
    /// <summary>Every connected player.</summary>
    Players = 2,
    /// <summary>Every audience member.</summary>
    Audience = 4,
    /// <summary>The player whose clientId is <see cref="RoomBusMessage.Target"/>.</summary>
    Player = 8,
}
