namespace Cndr.Core.Protocol;

/// <summary>Identifier formats of PROTOCOL §2.</summary>
internal static class Ids
{
    public const int MaxPollIdLength = 64;

    /// <summary>True for <c>xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx</c> (hex in either case).</summary>
    public static bool IsUuidV4(ReadOnlySpan<byte> s)
    {
        if (s.Length != 36)
        {
            return false;
        }

        for (var i = 0; i < 36; i++)
        {
            var c = s[i];
            if (i is 8 or 13 or 18 or 23)
            {
                if (c != (byte)'-')
                {
                    return false;
                }
            }
            else if (!IsHex(c))
            {
                return false;
            }
        }

        return s[14] == (byte)'4' && s[19] is (byte)'8' or (byte)'9' or (byte)'a' or (byte)'b' or (byte)'A' or (byte)'B';
    }

    /// <summary>String overload of <see cref="IsUuidV4(ReadOnlySpan{byte})"/>.</summary>
    public static bool IsUuidV4(string s)
    {
        if (s.Length != 36)
        {
            return false;
        }

        Span<byte> b = stackalloc byte[36];
        for (var i = 0; i < 36; i++)
        {
            if (s[i] > 127)
            {
                return false;
            }

            b[i] = (byte)s[i];
        }

        return IsUuidV4(b);
    }

    /// <summary>True for 1–64 characters <c>[A-Za-z0-9_-]</c>.</summary>
    public static bool IsPollId(ReadOnlySpan<byte> s)
    {
        if (s.Length is < 1 or > MaxPollIdLength)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!(c is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'_' or (byte)'-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A new player clientId (UUID v4, lower case).</summary>
    public static string NewClientId() => Guid.NewGuid().ToString("D");

    /// <summary>A new seat token: 256 random bits as URL-safe base64 without padding (43 characters).</summary>
    public static string NewSeatToken()
    {
        Span<byte> b = stackalloc byte[32];
        Cndr.Transport.Internal.SecureRandom.Fill(b);
        return System.Buffers.Text.Base64Url.EncodeToString(b);
    }

    /// <summary>SHA-256 of a secret's UTF-8 bytes (fixed length, so comparing hashes in constant time hides the secret's length too).</summary>
    public static byte[] Hash(string secret) => System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret));

    /// <summary>Constant-time equality of two secrets (compares their SHA-256 hashes).</summary>
    public static bool SecretEquals(string presented, string expected)
        => System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Hash(presented), Hash(expected));

    private static bool IsHex(byte c) => c is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');
}
