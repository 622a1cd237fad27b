using Cndr.Transport.Internal;

namespace Cndr.Transport.Tests;

/// <summary>Ids and tokens come from a per-thread chunk of the system's secure generator: each byte served once.</summary>
public class SecureRandomTests
{
    [Fact]
    public void Ids_drawn_across_many_chunks_are_all_different_and_cover_every_byte_value()
    {
        // 20 000 ids of 15 bytes: about 300 chunks of 1 KiB, refilled whenever the rest is too short for an id.
        var seen = new HashSet<string>();
        var counts = new int[256];
        Span<byte> id = stackalloc byte[15];
        for (var i = 0; i < 20_000; i++)
        {
            SecureRandom.Fill(id);
            Assert.True(seen.Add(Convert.ToHexString(id)), "an id came twice");
            foreach (var b in id)
            {
                counts[b]++;
            }
        }

        // 300 000 bytes: every value ~1 170 times; a served byte handed out again, or zeros, would skew this.
        Assert.All(counts, c => Assert.InRange(c, 900, 1450));
    }

    [Fact]
    public void A_request_larger_than_a_quarter_chunk_and_requests_from_other_threads_are_served_too()
    {
        var big = new byte[4096];
        SecureRandom.Fill(big);
        Assert.Contains(big, b => b != 0);

        var fromThreads = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, _ =>
        {
            Span<byte> id = stackalloc byte[16];
            for (var i = 0; i < 500; i++)
            {
                SecureRandom.Fill(id);
                fromThreads.Add(Convert.ToHexString(id));
            }
        });
        Assert.Equal(4000, fromThreads.Distinct().Count());
    }
}
