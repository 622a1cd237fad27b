using System.Buffers;

namespace Cndr.Benchmarks.Scenarios;

/// <summary>
/// A reusing pool of 4 KiB blocks for in-memory pipes, as a socket server's block pool would be: with it, a measurement
/// shows the transport's own allocations and not the pipe segments' (MemoryPool.Shared allocates a small owner per rent).
/// </summary>
internal sealed class BlockPool : MemoryPool<byte>
{
    public static readonly BlockPool Instance = new();

    private readonly Stack<Block> _free = new();
    private readonly Lock _lock = new();

    public override int MaxBufferSize => 4096;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > 4096)
        {
            return Shared.Rent(minBufferSize);
        }

        lock (_lock)
        {
            if (_free.TryPop(out var b))
            {
                return b;
            }
        }

        return new Block(this);
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block(BlockPool owner) : IMemoryOwner<byte>
    {
        private readonly byte[] _array = new byte[4096];

        public Memory<byte> Memory => _array;

        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._free.Push(this);
            }
        }
    }
}
