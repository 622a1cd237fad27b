using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Cndr.Transport.Http;

/// <summary>Outcome of parsing a request head.</summary>
internal enum HttpParseStatus
{
    /// <summary>Not all of the head has arrived; nothing was consumed.</summary>
    Incomplete,
    /// <summary>A complete head was parsed.</summary>
    Complete,
    /// <summary>The head is malformed or over a limit; the error status says which.</summary>
    Error,
}

/// <summary>
/// HTTP/1.1 request-head parser (RFC 9112 §2–§5). The head is located first (bounded by
/// <c>maxHeadBytes</c> before any parsing), copied once into a pooled buffer owned by the
/// <see cref="HttpRequest"/>, then parsed in place. Partial input consumes nothing.
/// </summary>
internal static class HttpRequestParser
{
    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    /// <summary>
    /// Tries to parse a request head from <paramref name="buffer"/>. On <see cref="HttpParseStatus.Complete"/>,
    /// <paramref name="consumed"/> is the position after the blank line; on Error, <paramref name="errorStatus"/>
    /// is 400 or 431.
    /// </summary>
    public static HttpParseStatus TryParseHead(in ReadOnlySequence<byte> buffer, HttpRequest request, int maxHeadBytes, out SequencePosition consumed, out int errorStatus)
    {
        consumed = buffer.Start;
        errorStatus = 0;

        // Limits first: look for the end of the head only within the allowed window.
        var window = buffer.Length > maxHeadBytes ? buffer.Slice(0, maxHeadBytes) : buffer;
        var reader = new SequenceReader<byte>(window);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, HeadEnd, advancePastDelimiter: true))
        {
            if (buffer.Length >= maxHeadBytes)
            {
                errorStatus = 431;
                return HttpParseStatus.Error;
            }

            // RFC 9112 §2.2: leading empty lines before the request line may be ignored; anything else just waits.
            return HttpParseStatus.Incomplete;
        }

        var length = (int)head.Length + 2; // keep the CRLF that ends the last header line
        var span = request.RentHead(length);
        head.CopyTo(span);
        span[^2] = (byte)'\r';
        span[^1] = (byte)'\n';
        consumed = reader.Position;
        if (!ParseHead(request, out errorStatus))
        {
            return HttpParseStatus.Error;
        }

        return HttpParseStatus.Complete;
    }

    private static bool ParseHead(HttpRequest request, out int errorStatus)
    {
        errorStatus = 400;
        var head = request.Head;

        // request-line = method SP request-target SP HTTP-version CRLF
        var lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];
        var sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0)
        {
            return false;
        }

        var rest = line[(sp1 + 1)..];
        var sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0)
        {
            return false;
        }

        var target = rest[..sp2];
        var version = rest[(sp2 + 1)..];
        if (!IsToken(line[..sp1]) || target[0] != (byte)'/' || target.IndexOfAnyInRange((byte)0, (byte)0x20) >= 0 || target.Contains((byte)0x7F))
        {
            return false;
        }

        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            request.IsHttp11 = true;
        }
        else if (version.SequenceEqual("HTTP/1.0"u8))
        {
            request.IsHttp11 = false;
        }
        else
        {
            errorStatus = 505;
            return false;
        }

        var targetStart = sp1 + 1;
        var q = target.IndexOf((byte)'?');
        var pathEnd = q < 0 ? targetStart + target.Length : targetStart + q;
        var queryStart = q < 0 ? pathEnd : pathEnd + 1;
        request.SetRequestLine(new Range(0, sp1), new Range(targetStart, pathEnd), new Range(queryStart, targetStart + target.Length));
        request.Verb = ParseVerb(line[..sp1]);

        // header-field = field-name ":" OWS field-value OWS
        request.ResetHeaders();
        var pos = lineEnd + 2;
        var keepAlive = request.IsHttp11;
        var connectionUpgrade = false;
        long contentLength = -1;
        while (pos < head.Length)
        {
            var remaining = head[pos..];
            var end = remaining.IndexOf("\r\n"u8);
            var hl = remaining[..end];
            var colon = hl.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(hl[..colon]))
            {
                // also rejects obs-fold (a line starting with whitespace) and whitespace before the colon
                return false;
            }

            var vs = colon + 1;
            var ve = hl.Length;
            while (vs < ve && (hl[vs] == (byte)' ' || hl[vs] == (byte)'\t'))
            {
                vs++;
            }

            while (ve > vs && (hl[ve - 1] == (byte)' ' || hl[ve - 1] == (byte)'\t'))
            {
                ve--;
            }

            var value = hl[vs..ve];
            if (value.IndexOfAnyInRange((byte)0, (byte)0x08) >= 0 || value.IndexOfAnyInRange((byte)0x0A, (byte)0x1F) >= 0 || value.Contains((byte)0x7F))
            {
                return false;
            }

            if (!request.AddHeader(pos, colon, pos + vs, ve - vs))
            {
                errorStatus = 431;
                return false;
            }

            var name = hl[..colon];
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long cl, out var used) || used != value.Length || cl < 0 || (contentLength >= 0 && cl != contentLength))
                {
                    return false;
                }

                contentLength = cl;
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                // Chunked request bodies are not supported (no client of ours sends them).
                errorStatus = 501;
                return false;
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                if (ContainsToken(value, "close"u8))
                {
                    keepAlive = false;
                }
                else if (ContainsToken(value, "keep-alive"u8))
                {
                    keepAlive = true;
                }

                if (ContainsToken(value, "upgrade"u8))
                {
                    connectionUpgrade = true;
                }
            }

            pos += end + 2;
        }

        request.ContentLength = Math.Max(contentLength, 0);
        request.KeepAlive = keepAlive;
        request.IsUpgrade = connectionUpgrade;
        errorStatus = 0;
        return true;
    }

    private static HttpVerb ParseVerb(ReadOnlySpan<byte> m) => m.Length switch
    {
        3 when m.SequenceEqual("GET"u8) => HttpVerb.Get,
        3 when m.SequenceEqual("PUT"u8) => HttpVerb.Put,
        4 when m.SequenceEqual("POST"u8) => HttpVerb.Post,
        4 when m.SequenceEqual("HEAD"u8) => HttpVerb.Head,
        5 when m.SequenceEqual("PATCH"u8) => HttpVerb.Patch,
        6 when m.SequenceEqual("DELETE"u8) => HttpVerb.Delete,
        7 when m.SequenceEqual("OPTIONS"u8) => HttpVerb.Options,
        _ => HttpVerb.Other,
    };

    // tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    private static readonly SearchValues<byte> s_tchar = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static bool IsToken(ReadOnlySpan<byte> s) => !s.IsEmpty && !s.ContainsAnyExcept(s_tchar);

    /// <summary>True when the comma-separated list <paramref name="value"/> contains <paramref name="token"/> (case-insensitive).</summary>
    internal static bool ContainsToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        while (!value.IsEmpty)
        {
            var comma = value.IndexOf((byte)',');
            var item = (comma < 0 ? value : value[..comma]).Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(item, token))
            {
                return true;
            }

            value = comma < 0 ? default : value[(comma + 1)..];
        }

        return false;
    }
}
