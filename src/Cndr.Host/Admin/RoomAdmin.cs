using System.Security.Cryptography;
using Cndr.Core;
using Cndr.Core.Cluster;
using Cndr.Core.Store;

namespace Cndr.Host.Admin;

/// <summary>What creating a room needs: all optional.</summary>
public sealed record CreateRoomRequest(string? Password = null, int? MaxPlayers = null, int? MaxAudience = null, string? RoomCode = null);

/// <summary>A created room: the code to share and the host's secret.</summary>
public sealed record CreatedRoom(string RoomCode, string HostKey, bool HasPassword, int MaxPlayers, int MaxAudience, long CreatedAt);

/// <summary>Why a room could not be created.</summary>
public enum CreateRoomError
{
    None,
    InvalidRoomCode,
    InvalidLimits,
    PasswordTooLong,
    RoomExists,
    Unavailable,
}

/// <summary>
/// Rooms from outside (ARCHITECTURE §7 leaves creation to an external API; this is ours): create with a
/// fresh code and host key, describe without secrets, close as <c>close_room</c> does. Shared by the
/// admin HTTP API, the <c>create-room</c> CLI verb and the demo room.
/// </summary>
public sealed class RoomAdmin(IRelayStore store, IRoomCloser closer, int roomCodeLength, TimeProvider? time = null)
{
    private const string CodeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const int MaxPasswordLength = 256;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public int RoomCodeLength { get; } = roomCodeLength;

    public async Task<(CreatedRoom? Room, CreateRoomError Error)> CreateAsync(CreateRoomRequest request)
    {
        var maxPlayers = request.MaxPlayers ?? 0;
        var maxAudience = request.MaxAudience ?? 0;
        if (maxPlayers < 0 || maxAudience < 0)
        {
            return (null, CreateRoomError.InvalidLimits);
        }

        var password = request.Password ?? "";
        if (password.Length > MaxPasswordLength)
        {
            return (null, CreateRoomError.PasswordTooLong);
        }

        RoomCode requested = default;
        if (request.RoomCode is { } wanted && (wanted.Length != RoomCodeLength || !RoomCode.TryParse(wanted, out requested)))
        {
            return (null, CreateRoomError.InvalidRoomCode);
        }

        var hostKey = NewSecret();
        var now = _time.GetUtcNow();
        var config = new RoomConfig(hostKey, password, maxPlayers, maxAudience, now.ToUnixTimeSeconds());
        try
        {
            // A chosen code is tried once; a generated one is retried on the (unlikely) collision.
            for (var attempt = 0; attempt < (requested.IsEmpty ? 16 : 1); attempt++)
            {
                var code = requested.IsEmpty ? NewCode() : requested;
                if (await store.CreateRoomAsync(code, config, now.ToUnixTimeMilliseconds()) == CreateRoomOutcome.Created)
                {
                    return (new CreatedRoom(code.ToString(), hostKey, password.Length != 0, maxPlayers, maxAudience, config.CreatedAt), CreateRoomError.None);
                }
            }
        }
        catch (StoreUnavailableException)
        {
            return (null, CreateRoomError.Unavailable);
        }

        return (null, CreateRoomError.RoomExists);
    }

    public ValueTask<RoomInfo?> GetAsync(RoomCode code) => store.GetRoomInfoAsync(code);

    public ValueTask<bool> CloseAsync(RoomCode code) => closer.CloseRoomAsync(code, "closed_by_host");

    private RoomCode NewCode()
    {
        Span<char> chars = stackalloc char[RoomCodeLength];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = CodeAlphabet[RandomNumberGenerator.GetInt32(CodeAlphabet.Length)];
        }

        RoomCode.TryParse(chars, RoomCodeLength, out var code);
        return code;
    }

    /// <summary>A host key: 192 random bits, URL-safe text.</summary>
    private static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(24));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
