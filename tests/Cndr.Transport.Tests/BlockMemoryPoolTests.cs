using System.Buffers;
using System.IO.Pipelines;
using Cndr.Transport.Sockets;

namespace Cndr.Transport.Tests;

public class BlockMemoryPoolTests
{
    [Fact]
    public void AReturnedBlockIsHandedOutAgainInsteadOfANewOne()
    {
        using var pool = new BlockMemoryPool(maxRetainedBlocks: 4);
        var first = pool.Rent(100);
        var memory = first.Memory;
        Assert.Equal(BlockMemoryPool.BlockSize, memory.Length);
        first.Dispose();

        var second = pool.Rent(BlockMemoryPool.BlockSize);
        Assert.Same(first, second);
        Assert.Equal(1, pool.BlocksCreated);
        second.Dispose();
    }

    [Fact]
    public void ReturningABlockTwiceKeepsItInThePoolOnlyOnce()
    {
        using var pool = new BlockMemoryPool(maxRetainedBlocks: 4);
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();
        Assert.Equal(1, pool.FreeBlocks);
        var a = pool.Rent();
        var b = pool.Rent();
        Assert.NotSame(a, b);
    }

    [Fact]
    public void ThePoolKeepsNoMoreFreeBlocksThanItsBound()
    {
        using var pool = new BlockMemoryPool(maxRetainedBlocks: 2);
        var blocks = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToList();
        blocks.ForEach(b => b.Dispose());
        Assert.Equal(2, pool.FreeBlocks);
        Assert.Equal(5, pool.BlocksCreated);
    }

    [Fact]
    public void ARequestLargerThanABlockGetsABufferOfAtLeastThatSize()
    {
        using var pool = new BlockMemoryPool();
        using var big = pool.Rent(BlockMemoryPool.BlockSize * 3);
        Assert.True(big.Memory.Length >= BlockMemoryPool.BlockSize * 3);
        Assert.Equal(0, pool.BlocksCreated);
    }

    [Fact]
    public async Task APipeOnThePoolReusesItsBlocksAcrossWritesAndReads()
    {
        using var pool = new BlockMemoryPool();
        var pipe = new Pipe(new PipeOptions(pool: pool, minimumSegmentSize: BlockMemoryPool.BlockSize, pauseWriterThreshold: 0, useSynchronizationContext: false));
        var payload = new byte[10_000];
        Random.Shared.NextBytes(payload);
        for (var i = 0; i < 50; i++)
        {
            await pipe.Writer.WriteAsync(payload);
            var result = await pipe.Reader.ReadAsync();
            Assert.True(result.Buffer.ToArray().AsSpan().SequenceEqual(payload));
            pipe.Reader.AdvanceTo(result.Buffer.End);
        }

        // 10 000 bytes span three blocks; the pipe itself may keep a few segments cached.
        Assert.InRange(pool.BlocksCreated, 3, 8);
    }
}
