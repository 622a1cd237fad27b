using System.Buffers;

namespace Cndr.Fuzz;

/// <summary>
/// Plays a byte stream to a parser the way a receive pipe does: bytes arrive in chunks (each its own segment,
/// so parsers meet multi-segment input at every boundary), the parser sees everything not yet consumed, and
/// consumes a prefix. The first input byte picks the chunk size (0 = everything at once).
/// </summary>
internal sealed class ChunkedInput
{
    private readonly ReadOnlySequence<byte> _all;
    private readonly int _chunk;
    private long _consumed;
    private long _arrived;

    public ChunkedInput(ReadOnlySpan<byte> input)
    {
        var data = input.Length > 1 ? input[1..].ToArray() : [];
        _chunk = input.Length == 0 || input[0] == 0 ? Math.Max(data.Length, 1) : input[0];
        Segment? first = null;
        Segment? last = null;
        for (var i = 0; i < data.Length; i += _chunk)
        {
            // Each chunk is its own array: a parser that unmasks in place changes only the segment it was given.
            var piece = data.AsMemory(i, Math.Min(_chunk, data.Length - i)).ToArray();
            last = last is null ? first = new Segment(piece, 0) : last.Append(piece);
        }

        _all = first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
        Arrive();
    }

    /// <summary>Every byte has arrived.</summary>
    public bool Ended => _arrived == _all.Length;

    /// <summary>Bytes consumed so far.</summary>
    public long Consumed => _consumed;

    /// <summary>What the parser sees now: every byte that arrived and was not consumed.</summary>
    public ReadOnlySequence<byte> Available => _all.Slice(_consumed, _arrived - _consumed);

    /// <summary>The original bytes at <paramref name="offset"/> (to check what a parser handed out).</summary>
    public ReadOnlySequence<byte> Original(long offset, long length) => _all.Slice(offset, length);

    /// <summary>The next chunk arrives.</summary>
    public void Arrive() => _arrived = Math.Min(_all.Length, _arrived + _chunk);

    /// <summary>The parser consumed up to <paramref name="position"/> (a position within <see cref="Available"/>).</summary>
    public void Consume(SequencePosition position)
    {
        var offset = _all.GetOffset(position);
        FuzzAssertionException.Check(offset >= _consumed && offset <= _arrived, "consumed position outside the available bytes");
        _consumed = offset;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
