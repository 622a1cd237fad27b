using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text;

namespace Cndr.Transport.Http;

/// <summary>
/// Writes the response to the request being handled. Exactly one response per request; the status line and
/// headers come from u8 literals, extra headers are written as given.
/// </summary>
public sealed class HttpResponse
{
    private readonly PipeWriter _writer;
    private readonly HttpRequest _request;
    private List<KeyValuePair<string, string>>? _extraHeaders;

    internal HttpResponse(PipeWriter writer, HttpRequest request)
    {
        _writer = writer;
        _request = request;
    }

    internal enum CorsMode : byte
    {
        None,
        Any,
        EchoOrigin,
    }

    /// <summary>True once the head has been written.</summary>
    public bool HasStarted { get; private set; }

    /// <summary>Close the connection after this response.</summary>
    public bool CloseConnection { get; set; }

    /// <summary>The status written (0 before the response starts).</summary>
    public int StatusCode { get; private set; }

    internal CorsMode Cors { get; set; }

    internal PipeWriter Writer => _writer;

    /// <summary>Adds a header to the response (before it starts). For non-hot paths.</summary>
    public void AddHeader(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.AsSpan().ContainsAny('\r', '\n') || value.AsSpan().ContainsAny('\r', '\n'))
        {
            throw new ArgumentException("header names and values must not contain CR or LF");
        }

        (_extraHeaders ??= []).Add(new(name, value));
    }

    /// <summary>Writes a complete response and flushes it.</summary>
    public ValueTask SendAsync(int status, ReadOnlySpan<byte> contentType, ReadOnlySpan<byte> body)
    {
        WriteHead(status, contentType, body.Length);
        if (!body.IsEmpty)
        {
            _writer.Write(body);
        }

        return FlushAsync();
    }

    /// <summary>Writes a complete text response and flushes it (allocates; for non-hot paths).</summary>
    public ValueTask SendAsync(int status, string contentType, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return SendAsync(status, Encoding.ASCII.GetBytes(contentType), bytes);
    }

    /// <summary>Writes a JSON response and flushes it.</summary>
    public ValueTask SendJsonAsync(int status, ReadOnlySpan<byte> json) => SendAsync(status, HttpLiterals.ApplicationJson, json);

    /// <summary>Writes a response without a body.</summary>
    public ValueTask SendStatusAsync(int status) => SendAsync(status, ReadOnlySpan<byte>.Empty, ReadOnlySpan<byte>.Empty);

    /// <summary>
    /// Starts a body of unknown length (e.g. server-sent events): the head has no Content-Length and says
    /// <c>Connection: close</c>; the body is what <see cref="WriteStreamAsync"/> writes until the handler returns,
    /// and the connection then closes (RFC 9112 §6.3: a response delimited by the close).
    /// </summary>
    public ValueTask StartStreamAsync(int status, ReadOnlySpan<byte> contentType)
    {
        CloseConnection = true;
        WriteHead(status, contentType, -1);
        return FlushAsync();
    }

    /// <summary>Writes and flushes a piece of a streamed body; false once the peer is gone (stop writing then).</summary>
    public ValueTask<bool> WriteStreamAsync(ReadOnlySpan<byte> chunk)
    {
        ValueTask<FlushResult> flush;
        try
        {
            _writer.Write(chunk);
            flush = _writer.FlushAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            return new(false);
        }

        return flush.IsCompletedSuccessfully ? new(!flush.Result.IsCompleted && !flush.Result.IsCanceled) : AwaitStreamFlushAsync(flush);
    }

    private static async ValueTask<bool> AwaitStreamFlushAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            var r = await flush.ConfigureAwait(false);
            return !r.IsCompleted && !r.IsCanceled;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Writes the status line and headers; the caller then writes exactly <paramref name="contentLength"/> body bytes to <see cref="Writer"/> (a negative length: none announced, see <see cref="StartStreamAsync"/>).</summary>
    internal void WriteHead(int status, ReadOnlySpan<byte> contentType, long contentLength)
    {
        if (HasStarted)
        {
            throw new InvalidOperationException("the response has already started");
        }

        HasStarted = true;
        StatusCode = status;
        var line = HttpLiterals.StatusLine(status);
        if (line.IsEmpty)
        {
            Write("HTTP/1.1 "u8);
            WriteNumber(status);
            Write(" Status\r\n"u8);
        }
        else
        {
            Write(line);
        }

        if (contentLength >= 0 && status != 101 && status != 204 && status != 304)
        {
            Write(HttpLiterals.ContentLength);
            WriteNumber(contentLength);
            Write(HttpLiterals.Crlf);
        }

        if (!contentType.IsEmpty)
        {
            Write(HttpLiterals.ContentType);
            Write(contentType);
            Write(HttpLiterals.Crlf);
        }

        switch (Cors)
        {
            case CorsMode.Any:
                Write(HttpLiterals.CorsAny);
                break;
            case CorsMode.EchoOrigin when _request.TryGetHeader("origin"u8, out var origin):
                Write(HttpLiterals.CorsOriginPrefix);
                Write(origin);
                Write(HttpLiterals.Crlf);
                Write(HttpLiterals.CorsCredentialsVary);
                break;
        }

        if (_extraHeaders is { } extra)
        {
            foreach (var kv in extra)
            {
                WriteAscii(kv.Key);
                Write(": "u8);
                WriteUtf8(kv.Value);
                Write(HttpLiterals.Crlf);
            }
        }

        if (status != 101 && (CloseConnection || !_request.KeepAlive))
        {
            CloseConnection = true;
            Write(HttpLiterals.ConnectionClose);
        }

        if (status != 101)
        {
            Write(HttpLiterals.Crlf);
        }
    }

    /// <summary>Writes raw bytes (head of an upgrade response or a body).</summary>
    internal void Write(ReadOnlySpan<byte> bytes) => _writer.Write(bytes);

    private void WriteNumber(long value)
    {
        var span = _writer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var n);
        _writer.Advance(n);
    }

    private void WriteAscii(string s)
    {
        var span = _writer.GetSpan(s.Length);
        var n = Encoding.ASCII.GetBytes(s, span);
        _writer.Advance(n);
    }

    private void WriteUtf8(string s)
    {
        var span = _writer.GetSpan(Encoding.UTF8.GetMaxByteCount(s.Length));
        var n = Encoding.UTF8.GetBytes(s, span);
        _writer.Advance(n);
    }

    internal ValueTask FlushAsync()
    {
        var flush = _writer.FlushAsync();
        return flush.IsCompletedSuccessfully ? default : AwaitFlushAsync(flush);
    }

    private static async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush) => await flush.ConfigureAwait(false);

    internal void Reset()
    {
        HasStarted = false;
        CloseConnection = false;
        StatusCode = 0;
        Cors = CorsMode.None;
        _extraHeaders?.Clear();
    }
}
