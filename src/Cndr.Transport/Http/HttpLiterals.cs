namespace Cndr.Transport.Http;

/// <summary>HTTP byte literals (u8) used by the response writer.</summary>
internal static class HttpLiterals
{
    public static ReadOnlySpan<byte> Crlf => "\r\n"u8;
    public static ReadOnlySpan<byte> ContentLength => "Content-Length: "u8;
    public static ReadOnlySpan<byte> ContentType => "Content-Type: "u8;
    public static ReadOnlySpan<byte> ConnectionClose => "Connection: close\r\n"u8;
    public static ReadOnlySpan<byte> CorsAny => "Access-Control-Allow-Origin: *\r\n"u8;
    public static ReadOnlySpan<byte> CorsOriginPrefix => "Access-Control-Allow-Origin: "u8;
    public static ReadOnlySpan<byte> CorsCredentialsVary => "Access-Control-Allow-Credentials: true\r\nVary: Origin\r\n"u8;
    public static ReadOnlySpan<byte> TextPlain => "text/plain; charset=UTF-8"u8;
    public static ReadOnlySpan<byte> TextHtml => "text/html"u8;
    public static ReadOnlySpan<byte> ApplicationJson => "application/json"u8;

    public static ReadOnlySpan<byte> StatusLine(int status) => status switch
    {
        101 => "HTTP/1.1 101 Switching Protocols\r\n"u8,
        200 => "HTTP/1.1 200 OK\r\n"u8,
        201 => "HTTP/1.1 201 Created\r\n"u8,
        202 => "HTTP/1.1 202 Accepted\r\n"u8,
        204 => "HTTP/1.1 204 No Content\r\n"u8,
        301 => "HTTP/1.1 301 Moved Permanently\r\n"u8,
        302 => "HTTP/1.1 302 Found\r\n"u8,
        304 => "HTTP/1.1 304 Not Modified\r\n"u8,
        400 => "HTTP/1.1 400 Bad Request\r\n"u8,
        401 => "HTTP/1.1 401 Unauthorized\r\n"u8,
        403 => "HTTP/1.1 403 Forbidden\r\n"u8,
        404 => "HTTP/1.1 404 Not Found\r\n"u8,
        405 => "HTTP/1.1 405 Method Not Allowed\r\n"u8,
        409 => "HTTP/1.1 409 Conflict\r\n"u8,
        411 => "HTTP/1.1 411 Length Required\r\n"u8,
        413 => "HTTP/1.1 413 Payload Too Large\r\n"u8,
        422 => "HTTP/1.1 422 Unprocessable Content\r\n"u8,
        429 => "HTTP/1.1 429 Too Many Requests\r\n"u8,
        431 => "HTTP/1.1 431 Request Header Fields Too Large\r\n"u8,
        500 => "HTTP/1.1 500 Internal Server Error\r\n"u8,
        501 => "HTTP/1.1 501 Not Implemented\r\n"u8,
        503 => "HTTP/1.1 503 Service Unavailable\r\n"u8,
        505 => "HTTP/1.1 505 HTTP Version Not Supported\r\n"u8,
        _ => default,
    };
}
