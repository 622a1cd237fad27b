using System.Text.Json;

namespace Cndr.Core.Protocol;

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

    /// <summary>One pass over an object, locating up to two properties (last occurrence wins). False when unreadable.</summary>
    public static bool ScanFields(ReadOnlySpan<byte> obj, ReadOnlySpan<byte> name1, ReadOnlySpan<byte> name2, out JsonField f1, out JsonField f2)
    {
        f1 = default;
        f2 = default;
        try
        {
            var r = new Utf8JsonReader(obj);
            r.Read();
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var which = r.ValueTextEquals(name1) ? 1 : (!name2.IsEmpty && r.ValueTextEquals(name2)) ? 2 : 0;
                var (start, length, type) = Value(ref r);
                if (which == 1)
                {
                    f1 = new JsonField { Found = true, Start = start, Length = length, Type = type };
                }
                else if (which == 2)
                {
                    f2 = new JsonField { Found = true, Start = start, Length = length, Type = type };
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
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
