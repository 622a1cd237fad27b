using System.IO.Pipelines;
using System.Net;

namespace Cndr.Transport.Sockets;

/// <summary>Where and how a <see cref="ConnectionListener"/> accepts connections.</summary>
public sealed class ListenerOptions
{
    /// <summary>Endpoints to bind (default: 127.0.0.1 on an ephemeral port).</summary>
    public IList<IPEndPoint> EndPoints { get; } = [];

    /// <summary>Listen backlog.</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>Maximum simultaneously open connections on this node; 0 = unlimited (default).</summary>
    public int MaxConnections { get; set; }

    /// <summary>Maximum simultaneously open connections from one remote IP address; 0 = unlimited (default).</summary>
    public int MaxConnectionsPerIp { get; set; }

    /// <summary>
    /// Optional transformation of the accepted socket's stream, e.g. TLS:
    /// <c>async (stream, ct) =&gt; { var ssl = new SslStream(stream); await ssl.AuthenticateAsServerAsync(...); return ssl; }</c>.
    /// When set, the connection pipe is built over the returned stream (StreamConnection) instead of the raw socket.
    /// </summary>
    public Func<Stream, CancellationToken, ValueTask<Stream>>? StreamWrapper { get; set; }

    /// <summary>Bytes buffered for sending before writers wait (per connection).</summary>
    public long SendPauseThreshold { get; set; } = 256 * 1024;

    /// <summary>Bytes buffered from the socket before the receive loop waits (per connection).</summary>
    public long ReceivePauseThreshold { get; set; } = 128 * 1024;

    /// <summary>The block pool of the connection pipes (default: <see cref="BlockMemoryPool.Default"/>).</summary>
    public System.Buffers.MemoryPool<byte> MemoryPool { get; set; } = BlockMemoryPool.Default;

    internal PipeOptions CreateSendOptions() => new(
        pool: MemoryPool,
        readerScheduler: PipeScheduler.ThreadPool,
        writerScheduler: PipeScheduler.ThreadPool,
        pauseWriterThreshold: SendPauseThreshold,
        resumeWriterThreshold: SendPauseThreshold / 2,
        minimumSegmentSize: 4096,
        useSynchronizationContext: false);

    internal PipeOptions CreateReceiveOptions() => new(
        pool: MemoryPool,
        readerScheduler: PipeScheduler.ThreadPool,
        writerScheduler: PipeScheduler.ThreadPool,
        pauseWriterThreshold: ReceivePauseThreshold,
        resumeWriterThreshold: ReceivePauseThreshold / 2,
        minimumSegmentSize: 4096,
        useSynchronizationContext: false);
}
