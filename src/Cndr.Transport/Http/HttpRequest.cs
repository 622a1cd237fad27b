using System.Buffers;
using System.Net;
using System.Text;

namespace Cndr.Transport.Http;

/// <summary>HTTP request methods the router distinguishes.</summary>
public enum HttpVerb
{
    Other,
    Get,
    Post,
    Put,
    Delete,
    Head,
    Options,
    Patch,
}

/// <summary>
/// A parsed HTTP/1.1 request: a view over the request head and body bytes. Valid only while the handler
/// that received it runs; the object is reused for the connection's next request.
/// </summary>
public sealed class HttpRequest
{
    internal const int MaxHeaders = 64;

    private HeaderRange[] _headers = [];
    private byte[] _head = [];
    private int _headLength;
    private int _headerCount;
    private Range _method;
    private Range _path;
    private Range _query;
    private byte[]? _body;
    private int _bodyLength;

    internal struct HeaderRange
    {
        public int NameStart;
        public int NameLength;
        public int ValueStart;
        public int ValueLength;
    }

    /// <summary>The method.</summary>
    public HttpVerb Verb { get; internal set; }

    /// <summary>The raw method token.</summary>
    public ReadOnlySpan<byte> Method => _head.AsSpan(_method);

    /// <summary>The path of the target, raw (no percent-decoding), without the query.</summary>
    public ReadOnlySpan<byte> Path => _head.AsSpan(_path);

    /// <summary>The raw query string without the <c>?</c> (empty when absent).</summary>
    public ReadOnlySpan<byte> Query => _head.AsSpan(_query);

    /// <summary>True for HTTP/1.1 (false for 1.0).</summary>
    public bool IsHttp11 { get; internal set; }

    /// <summary>The value of Content-Length, or 0.</summary>
    public long ContentLength { get; internal set; }

    /// <summary>True when the connection stays open after the response.</summary>
    public bool KeepAlive { get; internal set; }

    /// <summary>True when the request asks for a protocol upgrade (<c>Connection: upgrade</c>).</summary>
    public bool IsUpgrade { get; internal set; }

    /// <summary>The request body (empty when none).</summary>
    public ReadOnlySpan<byte> Body => _body is null ? default : _body.AsSpan(0, _bodyLength);

    /// <summary>The request body as memory (mutable: the Engine.IO layer decodes base64 in place).</summary>
    internal Memory<byte> BodyMemory => _body is null ? default : _body.AsMemory(0, _bodyLength);

    /// <summary>The peer's address, when known.</summary>
    public IPAddress? RemoteAddress { get; internal set; }

    /// <summary>Number of header lines.</summary>
    public int HeaderCount => _headerCount;

    /// <summary>The name of header <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> GetHeaderName(int index) => _head.AsSpan(_headers[index].NameStart, _headers[index].NameLength);

    /// <summary>The value of header <paramref name="index"/> (surrounding whitespace trimmed).</summary>
    public ReadOnlySpan<byte> GetHeaderValue(int index) => _head.AsSpan(_headers[index].ValueStart, _headers[index].ValueLength);

    /// <summary>Finds the first header named <paramref name="name"/> (ASCII case-insensitive).</summary>
    public bool TryGetHeader(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        for (var i = 0; i < _headerCount; i++)
        {
            ref readonly var h = ref _headers[i];
            if (h.NameLength == name.Length && Ascii.EqualsIgnoreCase(_head.AsSpan(h.NameStart, h.NameLength), name))
            {
                value = _head.AsSpan(h.ValueStart, h.ValueLength);
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>A header value as a string (allocates; for non-hot paths), or null.</summary>
    public string? GetHeader(string name)
    {
        Span<byte> n = stackalloc byte[Math.Min(name.Length, 256)];
        if (name.Length > 256 || Encoding.ASCII.GetBytes(name, n) != name.Length)
        {
            return null;
        }

        return TryGetHeader(n, out var v) ? Encoding.Latin1.GetString(v) : null;
    }

    /// <summary>Finds a query parameter by name (raw, not percent-decoded). The first occurrence wins.</summary>
    public bool TryGetQueryValue(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var q = Query;
        while (!q.IsEmpty)
        {
            var amp = q.IndexOf((byte)'&');
            var pair = amp < 0 ? q : q[..amp];
            q = amp < 0 ? default : q[(amp + 1)..];
            var eq = pair.IndexOf((byte)'=');
            var key = eq < 0 ? pair : pair[..eq];
            if (key.SequenceEqual(name))
            {
                value = eq < 0 ? default : pair[(eq + 1)..];
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>A query parameter percent-decoded as a string (allocates; for non-hot paths), or null.</summary>
    public string? GetQueryValue(string name)
    {
        var n = Encoding.UTF8.GetBytes(name);
        if (!TryGetQueryValue(n, out var raw))
        {
            return null;
        }

        return Uri.UnescapeDataString(Encoding.UTF8.GetString(raw).Replace('+', ' '));
    }

    /// <summary>The path as a string, percent-decoded (allocates; for non-hot paths).</summary>
    public string GetPathString() => Uri.UnescapeDataString(Encoding.UTF8.GetString(Path));

    /// <summary>The body as UTF-8 text (allocates; for non-hot paths).</summary>
    public string GetBodyString() => Encoding.UTF8.GetString(Body);

    internal Span<byte> RentHead(int length)
    {
        ReleaseBuffers();
        _head = ArrayPool<byte>.Shared.Rent(length);
        _headers = ArrayPool<HeaderRange>.Shared.Rent(MaxHeaders);
        _headLength = length;
        return _head.AsSpan(0, length);
    }

    internal ReadOnlySpan<byte> Head => _head.AsSpan(0, _headLength);

    internal void SetRequestLine(Range method, Range path, Range query)
    {
        _method = method;
        _path = path;
        _query = query;
    }

    internal void ResetHeaders() => _headerCount = 0;

    internal bool AddHeader(int nameStart, int nameLength, int valueStart, int valueLength)
    {
        if (_headerCount == MaxHeaders || _headerCount == _headers.Length)
        {
            return false;
        }

        _headers[_headerCount++] = new HeaderRange { NameStart = nameStart, NameLength = nameLength, ValueStart = valueStart, ValueLength = valueLength };
        return true;
    }

    internal Span<byte> RentBody(int length)
    {
        _body = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        _bodyLength = length;
        return _body.AsSpan(0, length);
    }

    internal void SetBodyLength(int length) => _bodyLength = length;

    /// <summary>Returns the pooled buffers; the request is empty afterwards.</summary>
    internal void ReleaseBuffers()
    {
        if (_head.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_head);
            _head = [];
        }

        if (_headers.Length > 0)
        {
            ArrayPool<HeaderRange>.Shared.Return(_headers);
            _headers = [];
        }

        if (_body is not null)
        {
            ArrayPool<byte>.Shared.Return(_body);
            _body = null;
        }

        _headLength = 0;
        _bodyLength = 0;
        _headerCount = 0;
        _method = default;
        _path = default;
        _query = default;
        ContentLength = 0;
        IsUpgrade = false;
        KeepAlive = false;
        Verb = HttpVerb.Other;
    }
}
