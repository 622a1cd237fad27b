using Cndr.Core;
using Cndr.Core.Cluster;
using Cndr.Core.Relay;
using Cndr.Core.Store;

namespace Cndr.Host.Admin;

/// <summary>What creating a room needs: all optional.</summary>
public sealed record CreateRoomRequest(string? Password = null, int? MaxPlayers = null, int? MaxAudience = null, string? RoomCode = null);

/// <summary>A created room: the code to share and the host's secret. <c>createdAt</c> is Unix milliseconds, as every admin time.</summary>
public sealed record CreatedRoomView(string RoomCode, string HostKey, bool HasPassword, int MaxPlayers, int MaxAudience, long CreatedAt);

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
/// Rooms from outside (rooms are created outside the relay, docs/ARCHITECTURE.md §4; this is our API): validates a request,
/// creates the room through <see cref="Core.RoomAdmin"/> (fresh code and host key), describes it without secrets,
/// closes it as <c>close_room</c> does. Shared by the admin HTTP API, the <c>create-room</c> CLI verb and the demo room.
/// </summary>
public sealed class RoomService(IRelayStore store, IRoomCloser closer, int roomCodeLength, TimeProvider? time = null)
{
    private const int MaxPasswordLength = 256;

    private readonly RelayOptions _codeOptions = new() { RoomCodeLength = roomCodeLength };

    public int RoomCodeLength { get; } = roomCodeLength;

    public async Task<(CreatedRoomView? Room, CreateRoomError Error)> CreateAsync(CreateRoomRequest request)
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

        RoomCode? requested = null;
        if (request.RoomCode is { } wanted)
        {
            if (wanted.Length != RoomCodeLength || !RoomCode.TryParse(wanted, out var parsed))
            {
                return (null, CreateRoomError.InvalidRoomCode);
            }

            requested = parsed;
        }

        try
        {
            var created = await Core.RoomAdmin.CreateRoomAsync(store, _codeOptions, password, maxPlayers, maxAudience, requested, time: time);
            if (created is null)
            {
                return (null, CreateRoomError.RoomExists);
            }

            var createdAt = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
            return (new CreatedRoomView(created.Code.ToString(), created.HostKey, password.Length != 0, maxPlayers, maxAudience, createdAt), CreateRoomError.None);
        }
        catch (StoreUnavailableException)
        {
            return (null, CreateRoomError.Unavailable);
        }
    }

    public ValueTask<RoomInfo?> GetAsync(RoomCode code) => store.GetRoomInfoAsync(code);

    public ValueTask<bool> CloseAsync(RoomCode code) => closer.CloseRoomAsync(code, "closed_by_admin");
}
