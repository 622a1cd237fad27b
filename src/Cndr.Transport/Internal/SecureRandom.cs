using System.Security.Cryptography;

namespace Cndr.Transport.Internal;

/// <summary>
/// Cryptographically secure random bytes for ids and tokens, drawn from <see cref="RandomNumberGenerator"/> a kilobyte at a
/// time per thread: one call into the system's generator for dozens of ids instead of one per id (each call costs an
/// OpenSSL round and a fork check, <c>getpid</c>, on Linux). Every byte is handed out once and wiped from the buffer as it
/// goes, so nothing served stays behind.
/// </summary>
internal static class SecureRandom
{
    private const int ChunkBytes = 1024;

    [ThreadStatic]
    private static byte[]? t_chunk;

    // The next unserved byte of t_chunk (ChunkBytes: all served).
    [ThreadStatic]
    private static int t_next;

    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    public static void Fill(Span<byte> destination)
    {
        if (destination.Length > ChunkBytes / 4)
        {
            RandomNumberGenerator.Fill(destination);
            return;
        }

        var chunk = t_chunk;
        if (chunk is null || ChunkBytes - t_next < destination.Length)
        {
            chunk = t_chunk ??= new byte[ChunkBytes];
            RandomNumberGenerator.Fill(chunk);
            t_next = 0;
        }

        var take = chunk.AsSpan(t_next, destination.Length);
        take.CopyTo(destination);
        take.Clear();
        t_next += destination.Length;
    }
}
