using System.Buffers.Binary;
using System.Text;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// Binary envelope of a <see cref="RoomBusMessage"/> on <c>room:updates:&lt;code&gt;</c>. The packet is carried as is
/// (encoded once by the publishing node):
/// <code>
/// +---------+------+------------+-----------+-------+--------------+-----------------+--------------+---------------+
/// | version | kind | recipients | rev (8,   | N (1) | nodeId (N B) | T (2, BE;       | target (T B) | packet (rest) |
/// | (1) = 2 | (1)  | (1)        | BE; 0=no) |       | UTF-8        |  0xFFFF = null) | UTF-8        |               |
/// +---------+------+------------+-----------+-------+--------------+-----------------+--------------+---------------+
/// </code>
/// The source node id lets a node ignore its own publications (IRoomBus: never back to this node). The rev lets a
/// receiving node drop a stale state and notice a gap (<see cref="RoomBusMessage.Rev"/>).
/// </summary>
internal static class RoomBusCodec
{
    public const byte Version = 2;
    private const int Head = 12; // version, kind, recipients, rev, N
    private const ushort NoTarget = 0xFFFF;

    /// <summary>The UTF-8 node id of an envelope (at most 255 bytes).</summary>
    public static byte[] NodeId(string nodeId)
    {
        var bytes = Encoding.UTF8.GetBytes(nodeId);
        if (bytes.Length > 255)
        {
            throw new ArgumentException("The node id must be at most 255 UTF-8 bytes.", nameof(nodeId));
        }

        return bytes;
    }

    /// <summary>One array per publication (it stays referenced by the outgoing command until it is written).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> nodeId, in RoomBusMessage message)
    {
        var targetLength = message.Target is null ? 0 : Encoding.UTF8.GetByteCount(message.Target);
        if (targetLength >= NoTarget)
        {
            throw new ArgumentException("The bus message target is too long.", nameof(message));
        }

        var payload = new byte[Head + nodeId.Length + 2 + targetLength + message.Packet.Length];
        payload[0] = Version;
        payload[1] = (byte)message.Kind;
        payload[2] = (byte)message.Recipients;
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(3), message.Rev);
        payload[Head - 1] = (byte)nodeId.Length;
        nodeId.CopyTo(payload.AsSpan(Head));
        var pos = Head + nodeId.Length;
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(pos), message.Target is null ? NoTarget : (ushort)targetLength);
        pos += 2;
        if (message.Target is not null)
        {
            pos += Encoding.UTF8.GetBytes(message.Target, payload.AsSpan(pos));
        }

        message.Packet.Span.CopyTo(payload.AsSpan(pos));
        return payload;
    }

    /// <summary>
    /// True when <paramref name="payload"/> is an envelope published by <paramref name="nodeId"/> (a node's own publication,
    /// which Redis echoes back to its subscription). Reads only the header; false for anything malformed.
    /// </summary>
    public static bool IsFrom(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> nodeId) =>
        payload.Length >= Head + nodeId.Length + 2 && payload[0] == Version && payload[Head - 1] == nodeId.Length
        && payload.Slice(Head, nodeId.Length).SequenceEqual(nodeId);

    /// <summary>Reads an envelope; false for anything malformed (never throws).</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> payload, out ReadOnlySpan<byte> sourceNode, out RoomBusMessage message)
    {
        sourceNode = default;
        message = default;
        var span = payload.Span;
        if (span.Length < Head + 2 || span[0] != Version)
        {
            return false;
        }

        var kind = (RoomBusKind)span[1];
        if (kind is < RoomBusKind.Deliver or > RoomBusKind.RoomClosed)
        {
            return false;
        }

        var rev = BinaryPrimitives.ReadInt64BigEndian(span[3..]);
        var n = span[Head - 1];
        if (rev < 0 || span.Length < Head + n + 2)
        {
            return false;
        }

        sourceNode = span.Slice(Head, n);
        var pos = Head + n;
        var t = BinaryPrimitives.ReadUInt16BigEndian(span[pos..]);
        pos += 2;
        string? target = null;
        if (t != NoTarget)
        {
            if (span.Length < pos + t)
            {
                return false;
            }

            target = Encoding.UTF8.GetString(span.Slice(pos, t));
            pos += t;
        }

        message = new RoomBusMessage(kind, (RoomRecipients)span[2], target, payload[pos..], rev);
        return true;
    }
}
