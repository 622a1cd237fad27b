using System.Security.Cryptography;
using Cndr.Core.Relay;
using Cndr.Core.Store;

namespace Cndr.Core;

/// <summary>Room creation for the admin API and the demo room (rooms are created outside the relay, docs/ARCHITECTURE.md §4).</summary>
public static class RoomAdmin
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>A random room code of <paramref name="length"/> characters <c>[A-Z0-9]</c>.</summary>
    public static RoomCode NewRoomCode(int length)
    {
        Span<char> c = stackalloc char[RoomCode.MaxLength];
        for (var i = 0; i < length; i++)
        {
            c[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return RoomCode.TryParse(c[..length], length, out var code) ? code : throw new ArgumentOutOfRangeException(nameof(length));
    }

    /// <summary>A random host key: 256 bits, URL-safe base64.</summary>
    public static string NewHostKey()
    {
        Span<byte> b = stackalloc byte[32];
        RandomNumberGenerator.Fill(b);
        return System.Buffers.Text.Base64Url.EncodeToString(b);
    }

    /// <summary>
    /// Creates a room (create-if-not-exists). With no <paramref name="code"/> a random one is drawn, retrying on
    /// collision; with a given code an existing room gives null. With no <paramref name="hostKey"/> one is generated.
    /// <c>createdAt</c> is written in Unix seconds (PROTOCOL §8.4).
    /// </summary>
    public static async Task<CreatedRoom?> CreateRoomAsync(
        IRelayStore store,
        RelayOptions options,
        string password = "",
        int maxPlayers = 0,
        int maxAudience = 0,
        RoomCode? code = null,
        string? hostKey = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPlayers);
        ArgumentOutOfRangeException.ThrowIfNegative(maxAudience);
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var key = string.IsNullOrEmpty(hostKey) ? NewHostKey() : hostKey;
        var config = new RoomConfig(key, password ?? string.Empty, maxPlayers, maxAudience, now.ToUnixTimeSeconds());
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var c = code ?? NewRoomCode(options.RoomCodeLength);
            if (await store.CreateRoomAsync(c, config, now.ToUnixTimeMilliseconds()).ConfigureAwait(false) == CreateRoomOutcome.Created)
            {
                return new CreatedRoom(c, key);
            }

            if (code is not null)
            {
                return null;
            }
        }

        throw new InvalidOperationException("Could not find a free room code after 20 attempts.");
    }
}
