using System.Text.Unicode;
using Cndr.Transport.WebSockets;

namespace Cndr.Fuzz;

/// <summary>
/// RFC 6455 client frames through <see cref="WebSocketFrameReader"/> as the session's read loop drives it:
/// fragmentation, control frames in between, close payloads, the message-size limit, any chunking.
/// Checks: every step makes progress or waits for bytes, messages respect the limit and (text) are UTF-8,
/// and the close code of a close or an error is one a server may send or receive.
/// </summary>
internal sealed class WebSocketTarget : IFuzzTarget, IWebSocketPingSink
{
    private const int MaxMessageBytes = 4096;

    public void Run(ReadOnlySpan<byte> input)
    {
        var stream = new ChunkedInput(input);
        var reader = new WebSocketFrameReader(MaxMessageBytes, this);
        try
        {
            while (true)
            {
                var available = stream.Available;
                var status = reader.Process(available, out var consumed, out _);
                var before = stream.Consumed;
                stream.Consume(consumed);
                switch (status)
                {
                    case WebSocketReadStatus.NeedMore:
                        if (stream.Ended)
                        {
                            return;
                        }

                        stream.Arrive();
                        break;
                    case WebSocketReadStatus.Message:
                        var message = reader.Message.Span;
                        FuzzAssertionException.Check(message.Length <= MaxMessageBytes, "message over the limit");
                        FuzzAssertionException.Check(reader.MessageIsBinary || Utf8.IsValid(message), "text message is not UTF-8");
                        FuzzAssertionException.Check(stream.Consumed > before, "a message consumed nothing (the read loop would spin)");
                        break;
                    case WebSocketReadStatus.Closed:
                        FuzzAssertionException.Check(reader.CloseStatus == WebSocketConstants.CloseNoStatus || WebSocketConstants.IsValidReceivedCloseCode(reader.CloseStatus), "invalid close code accepted");
                        return;
                    default:
                        FuzzAssertionException.Check(reader.CloseStatus is WebSocketConstants.CloseProtocolError or WebSocketConstants.CloseInvalidPayload or WebSocketConstants.CloseMessageTooBig, "unexpected error close code");
                        return;
                }
            }
        }
        finally
        {
            reader.ReleaseMessage();
        }
    }

    public void OnPing(ReadOnlySpan<byte> payload)
        => FuzzAssertionException.Check(payload.Length <= 125, "ping payload over 125 bytes");
}
