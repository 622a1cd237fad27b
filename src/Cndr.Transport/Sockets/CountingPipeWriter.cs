using System.IO.Pipelines;

namespace Cndr.Transport.Sockets;

/// <summary>
/// The output pipe of a socket connection, counting every byte written into it, so that
/// <see cref="SocketDirectSender"/> can tell when the socket's send loop has sent all of them (then a direct
/// send cannot overtake bytes still in the pipe). Everything else is passed through.
/// </summary>
internal sealed class CountingPipeWriter(PipeWriter inner) : PipeWriter
{
    private long _written;

    /// <summary>Bytes written (advanced) into the pipe since the connection opened.</summary>
    public long Written => Volatile.Read(ref _written);

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    public override void Advance(int bytes)
    {
        inner.Advance(bytes);
        Volatile.Write(ref _written, _written + bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        Volatile.Write(ref _written, _written + source.Length);
        return inner.WriteAsync(source, cancellationToken);
    }

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
}
