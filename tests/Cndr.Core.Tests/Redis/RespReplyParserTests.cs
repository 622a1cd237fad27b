using System.Buffers;
using System.Text;
using Cndr.Core.Store.Redis;
using StackExchange.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>The fast connection's RESP2 reply parser: complete, split and malformed replies (no server needed).</summary>
public sealed class RespReplyParserTests
{
    public static TheoryData<string> Replies => new()
    {
        "+OK\r\n",
        "-NOSCRIPT No matching script. Please use EVAL.\r\n",
        ":0\r\n",
        ":-42\r\n",
        "$5\r\nhello\r\n",
        "$0\r\n\r\n",
        "$-1\r\n",
        "*0\r\n",
        "*-1\r\n",
        "*3\r\n:1\r\n$3\r\nabc\r\n$-1\r\n",
        "*2\r\n*2\r\n:1\r\n*0\r\n*3\r\n$1\r\nx\r\n-ERR inner\r\n*1\r\n*-1\r\n",
        "*4\r\n:7\r\n:0\r\n$7\r\n{\"a\":1}\r\n$4\r\n\r\n\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void Every_proper_prefix_of_a_reply_needs_more_data_and_the_whole_reply_is_done(string reply)
    {
        var bytes = Encoding.UTF8.GetBytes(reply);
        for (var i = 0; i < bytes.Length; i++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, RespReplyParser.TryScan(bytes.AsSpan(0, i), out _));
        }

        Assert.Equal(OperationStatus.Done, RespReplyParser.TryScan(bytes, out var length));
        Assert.Equal(bytes.Length, length);
    }

    [Theory]
    [MemberData(nameof(Replies))]
    public void A_reply_followed_by_the_next_one_ends_where_it_ends(string reply)
    {
        var bytes = Encoding.UTF8.GetBytes(reply + ":99\r\n" + reply);
        Assert.Equal(OperationStatus.Done, RespReplyParser.TryScan(bytes, out var first));
        Assert.Equal(Encoding.UTF8.GetByteCount(reply), first);
        Assert.Equal(OperationStatus.Done, RespReplyParser.TryScan(bytes.AsSpan(first), out var second));
        Assert.Equal(5, second);
        Assert.Equal(99, (long)RespReplyParser.Parse(bytes.AsSpan(first)));
    }

    [Fact]
    public void Scalars_parse_to_their_types_and_values()
    {
        Assert.Equal("OK", Parse("+OK\r\n").ToString());
        Assert.Equal(ResultType.SimpleString, Parse("+OK\r\n").Resp2Type);

        var error = Parse("-ERR bad thing\r\n");
        Assert.Equal(ResultType.Error, error.Resp2Type);
        Assert.Equal("ERR bad thing", error.ToString());

        Assert.Equal(-42, (long)Parse(":-42\r\n"));
        Assert.Equal(ResultType.Integer, Parse(":-42\r\n").Resp2Type);

        Assert.Equal("hello", (string?)Parse("$5\r\nhello\r\n"));
        Assert.Empty((byte[])Parse("$0\r\n\r\n")!);

        var nil = Parse("$-1\r\n");
        Assert.True(nil.IsNull);
        Assert.Null((byte[]?)nil);
    }

    [Fact]
    public void Arrays_parse_with_nesting_nulls_and_inner_errors()
    {
        Assert.Null((RedisResult[]?)Parse("*-1\r\n"));
        Assert.Empty((RedisResult[])Parse("*0\r\n")!);

        var items = (RedisResult[])Parse("*2\r\n*2\r\n:1\r\n*0\r\n*3\r\n$1\r\nx\r\n-ERR inner\r\n*1\r\n*-1\r\n")!;
        Assert.Equal(2, items.Length);
        var first = (RedisResult[])items[0]!;
        Assert.Equal(1, (long)first[0]);
        Assert.Empty((RedisResult[])first[1]!);
        var second = (RedisResult[])items[1]!;
        Assert.Equal("x", (string?)second[0]);
        Assert.Equal(ResultType.Error, second[1].Resp2Type);
        Assert.Equal("ERR inner", second[1].ToString());
        Assert.Null((RedisResult[]?)((RedisResult[])second[2]!)[0]);
    }

    [Fact]
    public void A_bulk_string_may_contain_CRLF_and_binary_bytes()
    {
        var payload = new byte[] { 13, 10, 0, 255, 36, 13, 10 };
        var bytes = Encoding.ASCII.GetBytes("$7\r\n").Concat(payload).Concat("\r\n"u8.ToArray()).ToArray();
        Assert.Equal(OperationStatus.Done, RespReplyParser.TryScan(bytes, out var length));
        Assert.Equal(bytes.Length, length);
        Assert.Equal(payload, (byte[]?)RespReplyParser.Parse(bytes));
    }

    [Fact]
    public void A_big_bulk_string_fed_in_small_reads_is_done_only_with_its_last_byte()
    {
        var payload = new byte[300_000];
        new Random(7).NextBytes(payload);
        var bytes = Encoding.ASCII.GetBytes("*2\r\n:5\r\n$300000\r\n").Concat(payload).Concat("\r\n"u8.ToArray()).ToArray();
        for (var end = 0; end < bytes.Length; end += 1400)
        {
            Assert.Equal(OperationStatus.NeedMoreData, RespReplyParser.TryScan(bytes.AsSpan(0, end), out _));
        }

        Assert.Equal(OperationStatus.NeedMoreData, RespReplyParser.TryScan(bytes.AsSpan(0, bytes.Length - 1), out _));
        Assert.Equal(OperationStatus.Done, RespReplyParser.TryScan(bytes, out var length));
        Assert.Equal(bytes.Length, length);
        var items = (RedisResult[])RespReplyParser.Parse(bytes)!;
        Assert.Equal(payload, (byte[]?)items[1]);
    }

    [Theory]
    [InlineData("!3\r\nabc\r\n")] // not a RESP2 type
    [InlineData(":12x\r\n")]
    [InlineData("$abc\r\nabc\r\n")]
    [InlineData("$-2\r\n")]
    [InlineData("$3\r\nabcde\r\n")] // bulk longer than its length
    [InlineData("*x\r\n")]
    [InlineData("*-5\r\n")]
    public void Malformed_replies_are_invalid(string reply) =>
        Assert.Equal(OperationStatus.InvalidData, RespReplyParser.TryScan(Encoding.ASCII.GetBytes(reply), out _));

    [Fact]
    public void Nesting_deeper_than_the_limit_is_invalid()
    {
        var deep = string.Concat(Enumerable.Repeat("*1\r\n", RespReplyParser.MaxDepth + 1)) + ":1\r\n";
        Assert.Equal(OperationStatus.InvalidData, RespReplyParser.TryScan(Encoding.ASCII.GetBytes(deep), out _));

        var allowed = string.Concat(Enumerable.Repeat("*1\r\n", RespReplyParser.MaxDepth)) + ":1\r\n";
        Assert.Equal(OperationStatus.Done, RespReplyParser.TryScan(Encoding.ASCII.GetBytes(allowed), out _));
    }

    [Fact]
    public void A_header_line_that_never_ends_is_invalid_rather_than_buffered_forever()
    {
        var endless = Encoding.ASCII.GetBytes("+" + new string('a', 70_000));
        Assert.Equal(OperationStatus.InvalidData, RespReplyParser.TryScan(endless, out _));
    }

    [Fact]
    public void The_writer_sends_values_by_their_storage_type()
    {
        var writer = new RespWriter(16);
        writer.WriteEval(RedisScripts.Touch, text: false, ["k1"], [42L, "é", new byte[] { 1, 2 }, RedisValue.Null]);
        var expected = "*8\r\n$7\r\nEVALSHA\r\n$40\r\n" + Convert.ToHexStringLower(RedisScripts.Touch.Hash) + "\r\n$1\r\n1\r\n$2\r\nk1\r\n"
            + "$2\r\n42\r\n$2\r\né\r\n$2\r\n\u0001\u0002\r\n$0\r\n\r\n";
        Assert.Equal(expected.Replace("\r\n", "~"), Encoding.UTF8.GetString(writer.Written.Span).Replace("\r\n", "~"));

        writer.Reset();
        writer.WriteEval(RedisScripts.Touch, text: true, [], []);
        Assert.StartsWith("*3\r\n$4\r\nEVAL\r\n$" + Encoding.UTF8.GetByteCount(RedisScripts.Touch.Text) + "\r\n", Encoding.UTF8.GetString(writer.Written.Span));
    }

    [Theory]
    [InlineData("*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$7\r\na\r\nb\r\nc\r\n", "message|room|a\r\nb\r\nc")]
    [InlineData("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:12\r\n", "subscribe|ch|12")]
    [InlineData("*2\r\n$4\r\npong\r\n$0\r\n\r\n", "pong|")]
    [InlineData("*1\r\n+OK\r\n", "OK")]
    public void A_flat_array_is_read_as_ranges_of_its_elements(string reply, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(reply);
        Span<Range> items = stackalloc Range[3];
        Assert.True(RespReplyParser.TryReadFlatArray(bytes, items, out var count));
        var parts = new string[count];
        for (var i = 0; i < count; i++)
        {
            parts[i] = Encoding.UTF8.GetString(bytes.AsSpan()[items[i]]);
        }

        Assert.Equal(expected, string.Join("|", parts));
    }

    [Theory]
    [InlineData("+OK\r\n")]
    [InlineData("*-1\r\n")]
    [InlineData("*2\r\n$1\r\na\r\n$-1\r\n")]
    [InlineData("*2\r\n$1\r\na\r\n*0\r\n")]
    [InlineData("*2\r\n$1\r\na\r\n-ERR x\r\n")]
    [InlineData("*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n")]
    public void Anything_but_a_flat_array_of_at_most_the_given_size_is_refused(string reply)
    {
        var bytes = Encoding.UTF8.GetBytes(reply);
        Assert.Equal(OperationStatus.Done, RespReplyParser.TryScan(bytes, out _));
        Span<Range> items = stackalloc Range[3];
        Assert.False(RespReplyParser.TryReadFlatArray(bytes, items, out _));
    }

    private static RedisResult Parse(string reply)
    {
        var bytes = Encoding.UTF8.GetBytes(reply);
        Assert.Equal(OperationStatus.Done, RespReplyParser.TryScan(bytes, out _));
        return RespReplyParser.Parse(bytes);
    }
}
