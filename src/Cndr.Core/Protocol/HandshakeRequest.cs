using Cndr.Core.Store;

namespace Cndr.Core.Protocol;

/// <summary>A parsed handshake (PROTOCOL §3), produced by <see cref="HandshakeCodec.Parse"/>.</summary>
internal sealed class HandshakeRequest
{
    public RoomCode Code;
    public ClientRole Role;
    public string? HostKey;
    public string? Password;
    public string? ClientId;
    public string? SeatToken;
    public byte[]? Meta;

    /// <summary>A JWT from the game's backend (<c>auth.token</c>), checked by <see cref="Rooms.IJoinTokenValidator"/>.</summary>
    public string? Token;
}
