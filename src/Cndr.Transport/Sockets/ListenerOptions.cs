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

    // Built once on first use (one instance shared by every connection), so set the properties above before Start.
    private PipeOptions? _sendOptions;
    private PipeOptions? _receiveOptions;

    /// <summary>The block pool of the connection pipes (default: <see cref="BlockMemoryPool.Default"/>).</summary>
    public System.Buffers.MemoryPool<byte> MemoryPool { get; set; } = BlockMemoryPool.Default;

    // Send pipe: the socket send loop is its reader and runs inline on the thread that flushes (the session's pump),
    // so a delivery costs one send() on that thread instead of a thread-pool work item plus a wake-up. Async send
    // completions and a writer waiting on the pause threshold resume on the thread pool.
    internal PipeOptions SendOptions => _sendOptions ??= new(
        pool: MemoryPool,
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.ThreadPool,
        pauseWriterThreshold: SendPauseThreshold,
        resumeWriterThreshold: SendPauseThreshold / 2,
        minimumSegmentSize: 4096,
        useSynchronizationContext: false);

    // Receive pipe: its reader scheduler also runs the socket receive completions (Pipelines.Sockets.Unofficial), so
    // Inline means: the runtime's socket completion (already on a pool thread) → receive loop → the protocol read loop,
    // with no further hops. Code that wakes a read loop from elsewhere uses TransportConnection.CancelPendingReadDeferred.
    internal PipeOptions ReceiveOptions => _receiveOptions ??= new(
        pool: MemoryPool,
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.ThreadPool,
        pauseWriterThreshold: ReceivePauseThreshold,
        resumeWriterThreshold: ReceivePauseThreshold / 2,
        minimumSegmentSize: 4096,
        useSynchronizationContext: false);
}
