using System.Buffers.Binary;

namespace Cndr.Core;

/// <summary>
/// A room code: 1–8 characters <c>[A-Z0-9]</c>, packed into a <see cref="ulong"/> (one ASCII byte per
/// character, first character in the most significant byte, unused bytes zero). Parsing accepts lower case
/// and normalises it to upper case. Equality, hashing and ordering are those of the packed value, so the
/// struct can key dictionaries without allocating strings.
/// </summary>
public readonly struct RoomCode : IEquatable<RoomCode>
{
    /// <summary>The largest supported code length.</summary>
    public const int MaxLength = 8;

    private readonly ulong _value;

    private RoomCode(ulong value) => _value = value;

    /// <summary>True for <c>default(RoomCode)</c>, which is not a valid code.</summary>
    public bool IsEmpty => _value == 0;

    /// <summary>Number of characters.</summary>
    public int Length => _value == 0 ? 0 : 8 - (System.Numerics.BitOperations.TrailingZeroCount(_value) / 8);

    /// <summary>
    /// Parses a code of exactly <paramref name="length"/> characters <c>[A-Za-z0-9]</c> (UTF-8), normalising to upper case.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, int length, out RoomCode code)
    {
        code = default;
        if (length is < 1 or > MaxLength || utf8.Length != length)
        {
            return false;
        }

        ulong v = 0;
        for (var i = 0; i < utf8.Length; i++)
        {
            var c = utf8[i];
            if (c is >= (byte)'a' and <= (byte)'z')
            {
                c = (byte)(c - 32);
            }
            else if (c is not ((>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')))
            {
                return false;
            }

            v |= (ulong)c << (56 - (8 * i));
        }

        code = new RoomCode(v);
        return true;
    }

    /// <summary>Parses a code of exactly <paramref name="length"/> characters (UTF-16), normalising to upper case.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, int length, out RoomCode code)
    {
        code = default;
        if (text.Length != length || length is < 1 or > MaxLength)
        {
            return false;
        }

        Span<byte> b = stackalloc byte[MaxLength];
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] > 127)
            {
                return false;
            }

            b[i] = (byte)text[i];
        }

        return TryParse(b[..text.Length], length, out code);
    }

    /// <summary>Parses a code of any supported length (1–8).</summary>
    public static bool TryParse(string? text, out RoomCode code)
    {
        code = default;
        return text is not null && TryParse(text.AsSpan(), text.Length, out code);
    }

    /// <summary>Writes the code's ASCII bytes; returns the number written (<see cref="Length"/>).</summary>
    public int CopyTo(Span<byte> destination)
    {
        Span<byte> all = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(all, _value);
        var n = Length;
        all[..n].CopyTo(destination);
        return n;
    }

    /// <inheritdoc />
    public bool Equals(RoomCode other) => _value == other._value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RoomCode other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value.GetHashCode();

    /// <summary>The code as text (allocates).</summary>
    public override string ToString()
    {
        Span<byte> b = stackalloc byte[8];
        var n = CopyTo(b);
        return System.Text.Encoding.ASCII.GetString(b[..n]);
    }

    public static bool operator ==(RoomCode left, RoomCode right) => left.Equals(right);

    public static bool operator !=(RoomCode left, RoomCode right) => !left.Equals(right);
}
