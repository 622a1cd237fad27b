using System.Buffers;
using Cndr.Transport.Http;

namespace Cndr.Fuzz;

/// <summary>
/// HTTP/1.1 request framing on a keep-alive connection: heads (<see cref="HttpRequestParser"/>) and
/// Content-Length bodies (<see cref="HttpBodyReader"/>) one after another, as the server's loop reads them.
/// Checks: partial heads consume nothing, errors carry a known status, every parsed field is a view inside
/// the head, and each body is exactly the bytes after its head.
/// </summary>
internal sealed class HttpTarget : IFuzzTarget
{
    private const int MaxHeadBytes = 1024;
    private const int MaxBodyBytes = 4096;

    private readonly HttpRequest _request = new();
    private readonly byte[] _body = new byte[MaxBodyBytes];

    public void Run(ReadOnlySpan<byte> input)
    {
        var stream = new ChunkedInput(input);
        try
        {
            while (ReadRequest(stream))
            {
            }
        }
        finally
        {
            _request.ReleaseBuffers();
        }
    }

    private bool ReadRequest(ChunkedInput stream)
    {
        while (true)
        {
            var available = stream.Available;
            var status = HttpRequestParser.TryParseHead(available, _request, MaxHeadBytes, out var consumed, out var error);
            if (status == HttpParseStatus.Error)
            {
                FuzzAssertionException.Check(error is 400 or 431 or 501 or 505, "unknown error status");
                return false;
            }

            if (status == HttpParseStatus.Incomplete)
            {
                FuzzAssertionException.Check(consumed.Equals(available.Start), "an incomplete head consumed bytes");
                FuzzAssertionException.Check(available.Length < MaxHeadBytes, "a head over the limit is still incomplete");
                if (stream.Ended)
                {
                    return false;
                }

                stream.Arrive();
                continue;
            }

            var before = stream.Consumed;
            stream.Consume(consumed);
            FuzzAssertionException.Check(stream.Consumed - before is > 0 and <= MaxHeadBytes, "head length outside (0, limit]");
            CheckHead();
            return ReadBody(stream);
        }
    }

    private void CheckHead()
    {
        var r = _request;
        FuzzAssertionException.Check(!r.Method.IsEmpty && r.Path.Length > 0 && r.Path[0] == (byte)'/', "method or path malformed");
        FuzzAssertionException.Check(r.ContentLength >= 0 && r.HeaderCount <= HttpRequest.MaxHeaders, "content length or header count out of range");
        for (var i = 0; i < r.HeaderCount; i++)
        {
            var name = r.GetHeaderName(i);
            FuzzAssertionException.Check(!name.IsEmpty && r.TryGetHeader(name, out _), "header not found by its own name");
        }

        _ = r.TryGetQueryValue("sid"u8, out _);
        _ = r.GetHeader("host");
        _ = r.KeepAlive && r.IsUpgrade;
    }

    private bool ReadBody(ChunkedInput stream)
    {
        var length = _request.ContentLength;
        if (length == 0)
        {
            return _request.KeepAlive;
        }

        if (length > MaxBodyBytes)
        {
            return false; // the server answers 413 and closes
        }

        var start = stream.Consumed;
        var body = _body.AsSpan(0, (int)length);
        var received = 0;
        while (true)
        {
            var complete = HttpBodyReader.TryRead(stream.Available, body, ref received, out var consumed);
            stream.Consume(consumed);
            if (complete)
            {
                break;
            }

            FuzzAssertionException.Check(stream.Available.IsEmpty, "an incomplete body left bytes unconsumed");
            if (stream.Ended)
            {
                return false;
            }

            stream.Arrive();
        }

        FuzzAssertionException.Check(received == length, "body length differs from Content-Length");
        FuzzAssertionException.Check(stream.Original(start, length).ToArray().AsSpan().SequenceEqual(body), "body bytes differ from the stream");
        return _request.KeepAlive;
    }
}
