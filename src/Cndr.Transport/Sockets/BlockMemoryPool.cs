using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cndr.Transport.Sockets;

/// <summary>
/// The memory pool of the connection pipes: fixed 4 KiB blocks on the pinned object heap, reused through a
/// bounded lock-free queue. Renting and returning a block allocates nothing (the block object is its own
/// <see cref="IMemoryOwner{T}"/>); at most <see cref="MaxRetainedBlocks"/> blocks are kept, so a burst does not
/// pin its peak memory for ever. Requests larger than a block get a one-off array (pipes never ask for one
/// with our <c>minimumSegmentSize</c>; <see cref="MaxBufferSize"/> tells them the block size).
/// </summary>
public sealed class BlockMemoryPool : MemoryPool<byte>
{
    /// <summary>Bytes per block.</summary>
    public const int BlockSize = 4096;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;
    private long _created;
    private bool _disposed;

    /// <summary>Creates a pool keeping at most <paramref name="maxRetainedBlocks"/> free blocks.</summary>
    public BlockMemoryPool(int maxRetainedBlocks = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetainedBlocks);
        MaxRetainedBlocks = maxRetainedBlocks;
    }

    /// <summary>The pool of the process (shared by every listener).</summary>
    public static BlockMemoryPool Default { get; } = new();

    /// <summary>Free blocks kept at most; beyond it returned blocks are left to the GC.</summary>
    public int MaxRetainedBlocks { get; }

    /// <summary>Free blocks currently held.</summary>
    public int FreeBlocks => Volatile.Read(ref _freeCount);

    /// <summary>Blocks ever allocated (a steady value under steady load shows that blocks are reused).</summary>
    public long BlocksCreated => Interlocked.Read(ref _created);

    /// <inheritdoc />
    public override int MaxBufferSize => BlockSize;

    /// <inheritdoc />
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (minBufferSize > BlockSize)
        {
            return new Oversized(minBufferSize);
        }

        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            block.OnRented();
            return block;
        }

        Interlocked.Increment(ref _created);
        return new Block(this);
    }

    private void Return(Block block)
    {
        if (_disposed || Interlocked.Increment(ref _freeCount) > MaxRetainedBlocks)
        {
            Interlocked.Decrement(ref _freeCount);
            return;
        }

        _free.Enqueue(block);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        while (_free.TryDequeue(out _))
        {
        }
    }

    private sealed class Block : IMemoryOwner<byte>
    {
        private readonly BlockMemoryPool _pool;
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        private int _rented = 1;

        public Block(BlockMemoryPool pool) => _pool = pool;

        public Memory<byte> Memory
        {
            get
            {
                Debug.Assert(Volatile.Read(ref _rented) == 1, "block used after it was returned");
                return _array;
            }
        }

        public void OnRented() => Volatile.Write(ref _rented, 1);

        public void Dispose()
        {
            // A double return would hand one block to two pipes: ignore the second.
            if (Interlocked.Exchange(ref _rented, 0) == 1)
            {
                _pool.Return(this);
            }
        }
    }

    private sealed class Oversized(int size) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; private set; } = new byte[size];

        public void Dispose() => Memory = default;
    }
}
