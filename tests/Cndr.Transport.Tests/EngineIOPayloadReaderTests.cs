using System.Buffers;
using System.Text;
using Cndr.Transport.EngineIO;

namespace Cndr.Transport.Tests;

public class EngineIOPayloadReaderTests
{
    private const char RS = '\u001e';

    /// <summary>Valid payloads and the packets they hold, as "type:data" (binary decoded, as "b:" + hex).</summary>
    public static TheoryData<string, string[]> ValidPayloads => new()
    {
        { "4hello", ["4:hello"] },
        { "4", ["4:"] },
        { "3probe", ["3:probe"] },
        { "0{\"sid\":\"abc\"}", ["0:{\"sid\":\"abc\"}"] },
        { $"4hello{RS}2{RS}bAQID{RS}6", ["4:hello", "2:", "b:010203", "6:"] },
        { $"b{RS}4é✓", ["b:", "4:é✓"] },
        { $"451-[\"a\",{{\"_placeholder\":true,\"num\":0}}]{RS}bAAEC/w==", ["4:51-[\"a\",{\"_placeholder\":true,\"num\":0}]", "b:000102ff"] },
        { $"1{RS}5{RS}4a", ["1:", "5:", "4:a"] },
    };

    /// <summary>Malformed payloads and how many packets come out before the reader reports it.</summary>
    public static TheoryData<string, int> MalformedPayloads => new()
    {
        { $"{RS}", 0 },                 // empty first record
        { $"{RS}4a", 0 },
        { $"4a{RS}", 1 },               // empty last record
        { $"4a{RS}{RS}4b", 1 },         // empty record in between
        { "x", 0 },                     // unknown type
        { "7", 0 },
        { "/", 0 },
        { $"4a{RS}9b", 1 },
        { "b!!!!", 0 },                 // not base64
        { "bAQ", 0 },                   // base64 not padded to 4
        { "bAQ=", 0 },
        { "bAQ I", 0 },                 // whitespace inside base64
        { "bAQ\nI", 0 },
        { "bA===", 0 },
        { $"bAQID{RS}b=AAA", 1 },
    };

    private static string Describe(in EngineIOPacket p)
    {
        if (p.IsBase64Binary)
        {
            Assert.True(p.TryDecodeBinary(out var decoded));
            return "b:" + Convert.ToHexString(decoded.Span).ToLowerInvariant();
        }

        return $"{(int)p.Type}:{Encoding.UTF8.GetString(p.Data.ToArray())}";
    }

    /// <summary>Reads until anything but a packet; returns the packets and the final status.</summary>
    private static (List<string> Packets, EngineIOPayloadStatus Status, long Consumed) ReadAll(ReadOnlySequence<byte> payload, bool isFinalBlock, ref EngineIOPayloadReader state)
    {
        var reader = new SequenceReader<byte>(payload);
        var list = new List<string>();
        while (true)
        {
            var status = state.TryRead(ref reader, isFinalBlock, out var packet);
            if (status != EngineIOPayloadStatus.Packet)
            {
                return (list, status, reader.Consumed);
            }

            list.Add(Describe(packet));
        }
    }

    [Theory]
    [MemberData(nameof(ValidPayloads))]
    public void ReadsEveryPacketOfAValidPayload(string text, string[] expected)
    {
        var state = new EngineIOPayloadReader();
        var r = ReadAll(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text)), isFinalBlock: true, ref state);
        Assert.Equal(EngineIOPayloadStatus.End, r.Status);
        Assert.Equal(expected, r.Packets);
    }

    [Theory]
    [MemberData(nameof(ValidPayloads))]
    public void EveryPrefixYieldsOnlyTheTerminatedRecordsAndThenNeedsMore(string text, string[] expected)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var k = 0; k < bytes.Length; k++)
        {
            var prefix = bytes[..k];
            var state = new EngineIOPayloadReader();
            var r = ReadAll(new ReadOnlySequence<byte>(prefix), isFinalBlock: false, ref state);
            Assert.Equal(EngineIOPayloadStatus.NeedMore, r.Status);
            var terminated = prefix.Count(b => b == EngineIOPayloadReader.Separator);
            Assert.Equal(expected[..terminated], r.Packets);

            // Nothing of the unterminated record is consumed (only up to the last separator, which is left in place).
            var lastSeparator = Array.LastIndexOf(prefix, EngineIOPayloadReader.Separator);
            Assert.Equal(lastSeparator < 0 ? 0 : lastSeparator, r.Consumed);

            // The same reader resumes over the whole payload from where it stopped.
            var rest = ReadAll(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text)).Slice(r.Consumed), isFinalBlock: true, ref state);
            Assert.Equal(EngineIOPayloadStatus.End, rest.Status);
            Assert.Equal(expected, r.Packets.Concat(rest.Packets));
        }
    }

    [Theory]
    [MemberData(nameof(ValidPayloads))]
    public void ReadsTheSamePacketsSplitAtEveryOffset(string text, string[] expected)
    {
        for (var at = 0; at <= Encoding.UTF8.GetByteCount(text); at++)
        {
            // Fresh bytes each time: binary records are decoded in place.
            var state = new EngineIOPayloadReader();
            var r = ReadAll(Segments.Split(Encoding.UTF8.GetBytes(text), at), isFinalBlock: true, ref state);
            Assert.Equal(EngineIOPayloadStatus.End, r.Status);
            Assert.Equal(expected, r.Packets);
        }
    }

    [Fact]
    public void ResumesWhenThePayloadArrivesOneByteAtATime()
    {
        var bytes = Encoding.UTF8.GetBytes($"4hello{RS}2{RS}bAQID{RS}6");
        var state = new EngineIOPayloadReader();
        var packets = new List<string>();
        long consumed = 0;
        for (var k = 1; k <= bytes.Length; k++)
        {
            var r = ReadAll(new ReadOnlySequence<byte>(bytes[..k]).Slice(consumed), isFinalBlock: k == bytes.Length, ref state);
            packets.AddRange(r.Packets);
            consumed += r.Consumed;
        }

        Assert.Equal(["4:hello", "2:", "b:010203", "6:"], packets);
    }

    [Theory]
    [MemberData(nameof(MalformedPayloads))]
    public void MalformedPayloadIsReportedAfterTheGoodPacketsBeforeIt(string text, int before)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var at = 0; at <= bytes.Length; at++)
        {
            var state = new EngineIOPayloadReader();
            var r = ReadAll(Segments.Split((byte[])bytes.Clone(), at), isFinalBlock: true, ref state);
            Assert.Equal(EngineIOPayloadStatus.Malformed, r.Status);
            Assert.Equal(before, r.Packets.Count);
        }
    }

    [Fact]
    public void AnEmptyFinalPayloadHasNoPackets()
    {
        var state = new EngineIOPayloadReader();
        var r = ReadAll(ReadOnlySequence<byte>.Empty, isFinalBlock: true, ref state);
        Assert.Equal(EngineIOPayloadStatus.End, r.Status);
        Assert.Empty(r.Packets);
    }

    [Fact]
    public void TheSequenceOverloadReportsWhereTheNextRecordStarts()
    {
        var payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes($"4a{RS}4bc"));
        var state = new EngineIOPayloadReader();
        Assert.Equal(EngineIOPayloadStatus.Packet, state.TryRead(payload, true, out var first, out var consumed));
        Assert.Equal("4:a", Describe(first));
        payload = payload.Slice(consumed);
        Assert.Equal(EngineIOPayloadStatus.Packet, state.TryRead(payload, true, out var second, out consumed));
        Assert.Equal("4:bc", Describe(second));
        Assert.Equal(EngineIOPayloadStatus.End, state.TryRead(payload.Slice(consumed), true, out _, out _));
    }

    [Fact]
    public void WriterOutputReadsBackToTheSamePackets()
    {
        var writer = new ArrayBufferWriter<byte>();
        byte[][] blobs = [[], [0], [1, 2], [1, 2, 3], [.. Enumerable.Range(0, 256).Select(i => (byte)i)]];
        EngineIOPayloadWriter.WriteTextRecord(writer, EngineIOPacketType.Message, "42[\"x\"]"u8);
        foreach (var blob in blobs)
        {
            EngineIOPayloadWriter.WriteSeparator(writer);
            var before = writer.WrittenCount;
            EngineIOPayloadWriter.WriteBinaryRecord(writer, blob);
            Assert.Equal(EngineIOPayloadWriter.BinaryRecordLength(blob.Length), writer.WrittenCount - before);
        }

        EngineIOPayloadWriter.WriteSeparator(writer);
        EngineIOPayloadWriter.WriteTextRecord(writer, EngineIOPacketType.Noop, default);

        var state = new EngineIOPayloadReader();
        var r = ReadAll(new ReadOnlySequence<byte>(writer.WrittenMemory.ToArray()), isFinalBlock: true, ref state);
        Assert.Equal(EngineIOPayloadStatus.End, r.Status);
        string[] expected = ["4:42[\"x\"]", .. blobs.Select(b => "b:" + Convert.ToHexString(b).ToLowerInvariant()), "6:"];
        Assert.Equal(expected, r.Packets);
    }

    [Fact]
    public void ATextRecordIsNotDecodableAsBinary()
    {
        Assert.True(EngineIOPayloadReader.TryParse(new ReadOnlySequence<byte>("4AAAA"u8.ToArray()), out var p));
        Assert.False(p.IsBase64Binary);
        Assert.False(p.TryDecodeBinary(out _));
    }
}
