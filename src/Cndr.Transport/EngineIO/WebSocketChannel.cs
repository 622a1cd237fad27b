using System.IO.Pipelines;
using Cndr.Transport.Sockets;
using Cndr.Transport.WebSockets;

namespace Cndr.Transport.EngineIO;

/// <summary>
/// One WebSocket connection carrying an Engine.IO session: the frame reader over the connection's pipe.
/// Writes go through the owning session's single-writer pump (or, before an upgrade completes, the read loop).
/// </summary>
internal sealed class WebSocketChannel : IWebSocketPingSink
{
    private readonly WebSocketFrameReader _frames;
    private readonly EngineIOCounters _counters;
    private bool _holding;
    private SequencePosition _holdPosition;

    public WebSocketChannel(TransportConnection connection, long maxMessageBytes, EngineIOCounters counters)
    {
        Connection = connection;
        _counters = counters;
        _frames = new WebSocketFrameReader(maxMessageBytes, this);
    }

    public TransportConnection Connection { get; }

    public PipeWriter Output => Connection.Transport.Output;

    /// <summary>The session this channel is the transport of (null while probing).</summary>
    public EngineIOSession? Owner { get; set; }

    public Memory<byte> Message => _frames.Message;

    public bool MessageIsBinary => _frames.MessageIsBinary;

    /// <summary>The close code received (Closed) or to send (Error); 1006 when the connection just ended.</summary>
    public ushort CloseStatus { get; private set; }

    /// <summary>Reads the next data message; the previous one's memory is released first.</summary>
    public ValueTask<WebSocketReadStatus> ReadAsync()
    {
        var input = Connection.Transport.Input;
        if (_holding)
        {
            _holding = false;
            input.AdvanceTo(_holdPosition);
        }

        _frames.ReleaseMessage();
        return ReadCoreAsync(input);
    }

    private async ValueTask<WebSocketReadStatus> ReadCoreAsync(PipeReader input)
    {
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                CloseStatus = WebSocketConstants.CloseAbnormal;
                return WebSocketReadStatus.Closed;
            }

            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                CloseStatus = WebSocketConstants.CloseAbnormal;
                return WebSocketReadStatus.Closed;
            }

            var status = _frames.Process(buffer, out var consumed, out var examined);
            switch (status)
            {
                case WebSocketReadStatus.Message:
                    Interlocked.Add(ref _counters._bytesIn, _frames.Message.Length);
                    if (_frames.MessageInPipe)
                    {
                        _holding = true;
                        _holdPosition = consumed;
                    }
                    else
                    {
                        input.AdvanceTo(consumed);
                    }

                    return status;
                case WebSocketReadStatus.Closed:
                case WebSocketReadStatus.Error:
                    input.AdvanceTo(consumed);
                    CloseStatus = _frames.CloseStatus;
                    return status;
                default:
                    input.AdvanceTo(consumed, examined);
                    if (result.IsCompleted)
                    {
                        CloseStatus = WebSocketConstants.CloseAbnormal;
                        return WebSocketReadStatus.Closed;
                    }

                    break;
            }
        }
    }

    /// <summary>Releases what the reader holds (call when the read loop ends).</summary>
    public void Release()
    {
        if (_holding)
        {
            _holding = false;
            try
            {
                Connection.Transport.Input.AdvanceTo(_holdPosition);
            }
            catch (InvalidOperationException)
            {
                // reader already completed
            }
        }

        _frames.ReleaseMessage();
    }

    void IWebSocketPingSink.OnPing(ReadOnlySpan<byte> payload)
    {
        // RFC 6455 §5.5.2: answer with a pong carrying the same data. Only once the channel belongs to a
        // session (its pump is the single writer); during a probe a ping goes unanswered.
        if (Owner is { } session)
        {
            var frame = new byte[2 + payload.Length];
            WebSocketFrameWriter.WriteHeader(frame, WebSocketConstants.OpPong, payload.Length);
            payload.CopyTo(frame.AsSpan(2));
            session.EnqueueWebSocketFrame(frame);
        }
    }
}
