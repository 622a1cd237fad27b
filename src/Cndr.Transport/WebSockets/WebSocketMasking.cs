using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cndr.Transport.WebSockets;

/// <summary>RFC 6455 §5.3 masking: XOR with a 4-byte key, vectorised, in place.</summary>
internal static class WebSocketMasking
{
    /// <summary>Reads a masking key so that <see cref="Apply"/> can XOR whole words (little-endian machines).</summary>
    public static uint ReadKey(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt32LittleEndian(key);

    /// <summary>
    /// XORs <paramref name="data"/> with the key in place. <paramref name="offset"/> is how many payload bytes of
    /// the frame came before <paramref name="data"/> (the key's phase).
    /// </summary>
    public static void Apply(Span<byte> data, uint key, int offset)
    {
        if (!BitConverter.IsLittleEndian)
        {
            ApplyScalar(data, key, offset);
            return;
        }

        if ((offset & 3) != 0)
        {
            key = BitOperations.RotateRight(key, (offset & 3) * 8);
        }

        ref var start = ref MemoryMarshal.GetReference(data);
        var length = data.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<byte>.Count)
        {
            // Vector<byte>.Count is a multiple of 4, so the key's phase is the same at every vector.
            var mask = Vector.AsVectorByte(new Vector<uint>(key));
            var last = length - Vector<byte>.Count;
            for (; i <= last; i += Vector<byte>.Count)
            {
                var v = Vector.LoadUnsafe(ref start, (nuint)i);
                (v ^ mask).StoreUnsafe(ref start, (nuint)i);
            }
        }

        for (; i <= length - 4; i += 4)
        {
            ref var p = ref Unsafe.Add(ref start, i);
            Unsafe.WriteUnaligned(ref p, Unsafe.ReadUnaligned<uint>(ref p) ^ key);
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref start, i) ^= (byte)(key >> ((i & 3) * 8));
        }
    }

    private static void ApplyScalar(Span<byte> data, uint key, int offset)
    {
        Span<byte> k = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(k, key);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] ^= k[(offset + i) & 3];
        }
    }
}
