using System.Text.Json;

namespace Cndr.Core.Protocol;

/// <summary>Shape of an event's first argument.</summary>
internal enum ArgKind : byte
{
    /// <summary>The event has no argument.</summary>
    None,
    /// <summary>A JSON object.</summary>
    Object,
    /// <summary>Any other JSON value.</summary>
    Other,
    /// <summary>The packet's JSON could not be read.</summary>
    Malformed,
}

/// <summary>Reading inbound event arguments with <see cref="Utf8JsonReader"/> (no DOM, no strings for names).</summary>
internal static class JsonArgs
{
    /// <summary>Locates the first argument in an event's JSON array <c>["name",arg,...]</c>.</summary>
    public static ArgKind FirstArg(ReadOnlySpan<byte> data, out int start, out int length)
    {
        start = 0;
        length = 0;
        try
        {
            var r = new Utf8JsonReader(data);
            if (!r.Read() || r.TokenType != JsonTokenType.StartArray || !r.Read() || !r.Read())
            {
                return ArgKind.Malformed;
            }

            if (r.TokenType == JsonTokenType.EndArray)
            {
                return ArgKind.None;
            }

            start = (int)r.TokenStartIndex;
            var kind = r.TokenType == JsonTokenType.StartObject ? ArgKind.Object : ArgKind.Other;
            r.Skip();
            length = (int)r.BytesConsumed - start;
            return kind;
        }
        catch (JsonException)
        {
            return ArgKind.Malformed;
        }
    }

    /// <summary>Positions <paramref name="r"/> on the value of the current property and returns its raw range.</summary>
    public static (int Start, int Length, JsonTokenType Type) Value(ref Utf8JsonReader r)
    {
        r.Read();
        var start = (int)r.TokenStartIndex;
        var type = r.TokenType;
        r.Skip();
        return (start, (int)r.BytesConsumed - start, type);
    }

    /// <summary>Reads the current string token's unescaped UTF-8 into <paramref name="destination"/>; false when it does not fit.</summary>
    public static bool TryCopyString(ref Utf8JsonReader r, scoped Span<byte> destination, out int written)
    {
        written = 0;
        if (r.TokenType != JsonTokenType.String)
        {
            return false;
        }

        if (!r.ValueIsEscaped)
        {
            var v = r.ValueSpan;
            if (v.Length > destination.Length)
            {
                return false;
            }

            v.CopyTo(destination);
            written = v.Length;
            return true;
        }

        // An escaped value unescapes to at most its own length.
        if (r.ValueSpan.Length > destination.Length)
        {
            return false;
        }

        written = r.CopyString(destination);
        return true;
    }

    /// <summary>Reads a string value as a .NET string (handshake fields; not on the hot path).</summary>
    public static string? GetStringOrNull(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.String ? r.GetString() : null;
}

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
        System.Security.Cryptography.RandomNumberGenerator.Fill(b);
        return System.Buffers.Text.Base64Url.EncodeToString(b);
    }

    /// <summary>SHA-256 of a secret's UTF-8 bytes (fixed length, so comparing hashes in constant time hides the secret's length too).</summary>
    public static byte[] Hash(string secret) => System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret));

    /// <summary>Constant-time equality of two secrets (compares their SHA-256 hashes).</summary>
    public static bool SecretEquals(string presented, string expected)
        => System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Hash(presented), Hash(expected));

    private static bool IsHex(byte c) => c is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');
}
