using System.Globalization;

namespace Cndr.Core.Store;

/// <summary>
/// Position in a room's member list for paging (<c>list_clients</c>): <c>"&lt;joinedAt&gt;:&lt;id&gt;"</c>, the last member a
/// page examined. Members are ordered by join time, then by id (ordinal), in both stores (in Redis that is the order of
/// the <c>room:clients</c> zset), so a page resumes right after its cursor even when members joined or left meanwhile:
/// every member present for the whole paging is listed exactly once. Opaque to clients.
/// </summary>
public static class ClientCursor
{
    /// <summary>Longest id a cursor may carry (connection ids and UUIDs are far shorter).</summary>
    public const int MaxIdLength = 128;

    public static string Format(long joinedAtMs, string id) => joinedAtMs.ToString(CultureInfo.InvariantCulture) + ":" + id;

    /// <summary>Parses a cursor from a client; false for anything not of the form <c>&lt;digits&gt;:&lt;id&gt;</c>.</summary>
    public static bool TryParse(string? cursor, out long joinedAtMs, out string id)
    {
        joinedAtMs = 0;
        id = string.Empty;
        if (cursor is null)
        {
            return false;
        }

        var colon = cursor.IndexOf(':', StringComparison.Ordinal);
        if (colon is < 1 or > 19 || cursor.Length - colon - 1 is < 1 or > MaxIdLength
            || !long.TryParse(cursor.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out joinedAtMs))
        {
            return false;
        }

        foreach (var c in cursor.AsSpan(colon + 1))
        {
            if (c is < (char)0x21 or > (char)0x7e)
            {
                return false;
            }
        }

        id = cursor[(colon + 1)..];
        return true;
    }

    /// <summary>Join order: time, then id (ordinal, as Redis orders equal zset scores).</summary>
    public static int Compare(long joinedAtA, string idA, long joinedAtB, string idB)
    {
        var c = joinedAtA.CompareTo(joinedAtB);
        return c != 0 ? c : string.CompareOrdinal(idA, idB);
    }
}
