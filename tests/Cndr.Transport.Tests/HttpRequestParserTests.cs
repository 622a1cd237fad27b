using System.Buffers;
using System.Text;
using Cndr.Transport.Http;

namespace Cndr.Transport.Tests;

public class HttpRequestParserTests
{
    private const string Valid = "POST /admin/rooms/ABC?x=1&EIO=4&sid=a%20b HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nAuthorization: Bearer t\r\nConnection: keep-alive\r\n\r\n";

    private static HttpParseStatus Parse(string text, out HttpRequest request, out int error, out long consumed, int max = 8192)
    {
        request = new HttpRequest();
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text));
        var status = HttpRequestParser.TryParseHead(buffer, request, max, out var pos, out error);
        consumed = buffer.Slice(0, pos).Length;
        return status;
    }

    [Fact]
    public void ParsesRequestLineHeadersAndQuery()
    {
        Assert.Equal(HttpParseStatus.Complete, Parse(Valid + "hello", out var r, out _, out var consumed));
        Assert.Equal(Valid.Length, consumed);
        Assert.Equal(HttpVerb.Post, r.Verb);
        Assert.Equal("/admin/rooms/ABC", Encoding.ASCII.GetString(r.Path));
        Assert.Equal(5, r.ContentLength);
        Assert.True(r.KeepAlive);
        Assert.True(r.TryGetQueryValue("EIO"u8, out var eio) && eio.SequenceEqual("4"u8));
        Assert.Equal("a b", r.GetQueryValue("sid"));
        Assert.Equal("Bearer t", r.GetHeader("authorization"));
        Assert.False(r.TryGetQueryValue("missing"u8, out _));
    }

    [Fact]
    public void EveryPrefixOfAValidHeadIsIncompleteAndConsumesNothing()
    {
        for (var i = 0; i < Valid.Length; i++)
        {
            Assert.Equal(HttpParseStatus.Incomplete, Parse(Valid[..i], out _, out _, out var consumed));
            Assert.Equal(0, consumed);
        }
    }

    [Fact]
    public void ParsesTheSameHeadSplitAtEveryOffset()
    {
        var bytes = Encoding.ASCII.GetBytes(Valid);
        for (var at = 1; at < bytes.Length; at++)
        {
            var r = new HttpRequest();
            var status = HttpRequestParser.TryParseHead(Segments.Split(bytes, at), r, 8192, out _, out _);
            Assert.Equal(HttpParseStatus.Complete, status);
            Assert.Equal("/admin/rooms/ABC", Encoding.ASCII.GetString(r.Path));
            Assert.Equal(5, r.ContentLength);
        }
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\n folded: x\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400)]
    [InlineData("GET noslash HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET / HTTP/2.0\r\n\r\n", 505)]
    [InlineData("GET /\r\n\r\n", 400)]
    [InlineData("G(T / HTTP/1.1\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501)]
    [InlineData("GET / HTTP/1.1\r\nX: a\u0001b\r\n\r\n", 400)]
    public void MalformedHeadsAreRefusedWithAStatus(string head, int status)
    {
        Assert.Equal(HttpParseStatus.Error, Parse(head, out _, out var error, out _));
        Assert.Equal(status, error);
    }

    [Fact]
    public void HeadOverTheLimitIsRefusedWith431()
    {
        var bomb = "GET / HTTP/1.1\r\nX: " + new string('a', 10_000);
        Assert.Equal(HttpParseStatus.Error, Parse(bomb, out _, out var error, out _));
        Assert.Equal(431, error);
    }

    [Fact]
    public void TooManyHeadersAreRefusedWith431()
    {
        var sb = new StringBuilder("GET / HTTP/1.1\r\n");
        for (var i = 0; i < 100; i++)
        {
            sb.Append("X-").Append(i).Append(": v\r\n");
        }

        Assert.Equal(HttpParseStatus.Error, Parse(sb.Append("\r\n").ToString(), out _, out var error, out _));
        Assert.Equal(431, error);
    }

    [Theory]
    [InlineData("GET / HTTP/1.0\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.1\r\n\r\n", true)]
    public void KeepAliveFollowsVersionAndConnectionHeader(string head, bool keepAlive)
    {
        Assert.Equal(HttpParseStatus.Complete, Parse(head, out var r, out _, out _));
        Assert.Equal(keepAlive, r.KeepAlive);
    }
}
