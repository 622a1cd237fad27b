using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Cndr.Transport.Sockets;

namespace Cndr.Transport.Tests;

/// <summary>
/// A thread's io_uring ring for the sends of one write batch, over real loopback sockets: one submission for many sends,
/// each with exactly a non-blocking send()'s outcome (all, part, none, failed). Where io_uring is refused on a machine
/// (a seccomp profile, kernel.io_uring_disabled) the tests check that there is no ring and nothing else.
/// </summary>
public class SendRingTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private static readonly PipeOptions s_options = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.ThreadPool, useSynchronizationContext: false);

    private sealed class Owner(string name, List<string> log, Func<int, bool>? again = null) : IRingSendOwner
    {
        public List<int> Results { get; } = [];

        public void OnRingSendCompleted(int sent, ReadOnlySpan<byte> data)
        {
            Results.Add(sent);
            log.Add($"{name}:{Encoding.ASCII.GetString(data)}");
            _ = again?.Invoke(sent);
        }
    }

    /// <summary>A loopback connection: the client socket, and the server socket under a raw pipe (what a ring sends on).</summary>
    private sealed record Pair(Socket Client, Socket Server, SocketPipe Pipe) : IDisposable
    {
        public void Dispose()
        {
            Pipe.Dispose();
            Client.Dispose();
        }
    }

    private static async Task<Pair> PairAsync(Action<Socket>? configureServer = null)
    {
        var (client, server) = await SocketPipeTests.PairAsync();
        configureServer?.Invoke(server);
        return new Pair(client, server, new SocketPipe(server.SafeHandle, server, s_options, s_options));
    }

    private static async Task<string> ReceiveAsync(Socket client, int count)
    {
        var buffer = new byte[count];
        using var cts = new CancellationTokenSource(s_timeout);
        var total = 0;
        while (total < count)
        {
            var n = await client.ReceiveAsync(buffer.AsMemory(total), cts.Token);
            Assert.NotEqual(0, n);
            total += n;
        }

        return Encoding.ASCII.GetString(buffer);
    }

    private static bool Add(SendRing ring, SocketPipe pipe, string text, IRingSendOwner owner) => Add(ring, pipe, Encoding.ASCII.GetBytes(text), owner);

    private static bool Add(SendRing ring, SocketPipe pipe, byte[] bytes, IRingSendOwner owner)
    {
        bytes.CopyTo(ring.Free);
        return ring.TryAdd(pipe, bytes.Length, owner);
    }

    private static bool Available()
    {
        var available = false;
        OwnThread.Run(() => available = SendRing.ForCurrentThread() is not null);
        return available;
    }

    [Fact]
    public void Where_io_uring_is_refused_or_rings_are_off_there_is_no_ring_and_sends_go_directly()
    {
        if (!SendRing.Enabled)
        {
            OwnThread.Run(() => Assert.Null(SendRing.ForCurrentThread()));
            return;
        }

        // Enabled: a thread gets one ring and keeps it (or, where the kernel refuses io_uring, none, every time).
        OwnThread.Run(() =>
        {
            var ring = SendRing.ForCurrentThread();
            Assert.Same(ring, SendRing.ForCurrentThread());
            if (ring is not null)
            {
                Assert.Equal(0, ring.Pending);
                Assert.Equal(SendRing.ArenaBytes, ring.Free.Length);
            }
        });
    }

    [Fact]
    public async Task The_sends_of_several_sockets_leave_in_one_round_and_each_owner_learns_that_all_went()
    {
        if (!Available())
        {
            return;
        }

        using var first = await PairAsync();
        using var second = await PairAsync();
        using var third = await PairAsync();
        var pairs = new[] { first, second, third };
        var log = new List<string>();
        var owners = new[] { new Owner("a", log), new Owner("b", log), new Owner("c", log) };
        var texts = new[] { "alpha", "bravo!", "charlie" };
        OwnThread.Run(() =>
        {
            var ring = SendRing.ForCurrentThread()!;
            var (rounds, sends) = (ring.Rounds, ring.Sends);
            for (var i = 0; i < 3; i++)
            {
                Assert.True(Add(ring, pairs[i].Pipe, texts[i], owners[i]));
            }

            Assert.Equal(3, ring.Pending);
            Assert.Empty(log); // nothing leaves before Complete
            ring.Complete();
            Assert.Equal(0, ring.Pending);
            Assert.Equal(rounds + 1, ring.Rounds);
            Assert.Equal(sends + 3, ring.Sends);
            Assert.Equal(SendRing.ArenaBytes, ring.Free.Length); // the arena is free again
        });

        Assert.Equal(["a:alpha", "b:bravo!", "c:charlie"], log);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal([texts[i].Length], owners[i].Results);
            Assert.Equal(texts[i], await ReceiveAsync(pairs[i].Client, texts[i].Length));
        }
    }

    [Fact]
    public async Task A_send_the_kernel_takes_only_part_of_reports_how_much_went_then_none_and_the_bytes_that_went_arrive()
    {
        if (!Available())
        {
            return;
        }

        using var pair = await PairAsync(s => s.SendBufferSize = 16 * 1024);
        var (client, _, pipe) = pair;
        client.ReceiveBufferSize = 16 * 1024;
        var payload = new byte[SendRing.ArenaBytes / 2];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)('a' + (i % 26));
        }

        var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0123456789ABCDEF", 1024)));
        var log = new List<string>();
        var first = new Owner("first", log);
        var more = new Owner("more", log);
        OwnThread.Run(() =>
        {
            var ring = SendRing.ForCurrentThread()!;
            ring.SendAloneDirectly = false;
            var shortSends = ring.ShortSends;
            Assert.True(Add(ring, pipe, payload, first));
            ring.Complete();

            // What the kernel took leaves the send buffer for the peer's receive queue meanwhile: more sends may still
            // go, in part, for a while, until one goes not at all.
            for (var i = 0; i < 1000 && !more.Results.Contains(0); i++)
            {
                Assert.True(Add(ring, pipe, chunk, more));
                ring.Complete();
            }

            Assert.Equal(shortSends + 1 + more.Results.Count(r => r < chunk.Length), ring.ShortSends);
        });

        // Exactly what a non-blocking send() reports: part of the first (the peer reads nothing), at last none of one.
        var sent = Assert.Single(first.Results);
        Assert.InRange(sent, 1, payload.Length - 1);
        Assert.Contains(0, more.Results);
        var expected = Encoding.ASCII.GetString(payload, 0, sent) + string.Concat(more.Results.Select(r => Encoding.ASCII.GetString(chunk, 0, r)));
        Assert.Equal(expected, await ReceiveAsync(client, expected.Length));
    }

    [Fact]
    public async Task A_failed_socket_reports_minus_one_and_a_disposed_one_is_refused_while_the_others_still_go()
    {
        if (!Available())
        {
            return;
        }

        using var broken = await PairAsync();
        using var healthy = await PairAsync();
        using var disposed = await PairAsync();
        broken.Server.Shutdown(SocketShutdown.Send); // a send on it now fails (EPIPE)
        disposed.Pipe.Dispose();
        var log = new List<string>();
        var a = new Owner("broken", log);
        var b = new Owner("healthy", log);
        OwnThread.Run(() =>
        {
            var ring = SendRing.ForCurrentThread()!;
            Assert.True(Add(ring, broken.Pipe, "lost", a));
            Assert.False(Add(ring, disposed.Pipe, "refused", new Owner("disposed", log)));
            Assert.True(Add(ring, healthy.Pipe, "fine", b));
            Assert.Equal(2, ring.Pending);
            ring.Complete();
        });

        Assert.Equal([-1], a.Results);
        Assert.Equal([4], b.Results);
        Assert.Equal(["broken:lost", "healthy:fine"], log);
        Assert.Equal("fine", await ReceiveAsync(healthy.Client, 4));
    }

    [Fact]
    public async Task A_send_added_from_an_owners_report_goes_in_a_second_round_of_the_same_complete_in_order()
    {
        if (!Available())
        {
            return;
        }

        using var pair = await PairAsync();
        var (client, _, pipe) = pair;
        var log = new List<string>();
        SendRing? ring = null;
        Owner? second = null;
        var first = new Owner("first", log, sent => Add(ring!, pipe, "+second", second!));
        second = new Owner("second", log);
        OwnThread.Run(() =>
        {
            ring = SendRing.ForCurrentThread()!;
            ring.SendAloneDirectly = false;
            var rounds = ring.Rounds;
            Assert.True(Add(ring, pipe, "first", first));
            ring.Complete();
            Assert.Equal(rounds + 2, ring.Rounds);
            Assert.Equal(0, ring.Pending);
        });

        Assert.Equal(["first:first", "second:+second"], log);
        Assert.Equal("first+second", await ReceiveAsync(client, 12));
    }

    [Fact]
    public async Task A_send_alone_in_its_round_goes_with_a_plain_send_and_the_ring_is_not_entered()
    {
        if (!Available())
        {
            return;
        }

        using var pair = await PairAsync();
        var (client, _, pipe) = pair;
        var log = new List<string>();
        var owner = new Owner("alone", log);
        OwnThread.Run(() =>
        {
            var ring = SendRing.ForCurrentThread()!;
            var (rounds, direct) = (ring.Rounds, ring.DirectSends);
            Assert.True(Add(ring, pipe, "alone", owner));
            ring.Complete();
            Assert.Equal((rounds, direct + 1), (ring.Rounds, ring.DirectSends));

            // The ring's entry was taken back: the next round of two goes through the ring as usual.
            Assert.True(Add(ring, pipe, "+one", owner));
            Assert.True(Add(ring, pipe, "+two", owner));
            ring.Complete();
            Assert.Equal((rounds + 1, direct + 1), (ring.Rounds, ring.DirectSends));
        });

        Assert.Equal([5, 4, 4], owner.Results);
        Assert.Equal("alone+one+two", await ReceiveAsync(client, 13));
    }

    private sealed class DeferredSend(Action flush) : Internal.IDeferredFlush
    {
        public void FlushDeferred() => flush();
    }

    /// <summary>
    /// A batch that opens and closes inside a report of the ring (a session's end runs handler code that sends) hands its
    /// sends to the same ring; its Complete returns at once and the running one submits them; the outer flush keeps its
    /// ring afterwards. Everything arrives, in order.
    /// </summary>
    [Fact]
    public async Task A_batch_nested_in_a_report_of_the_ring_puts_its_sends_on_the_same_ring_and_the_running_complete_takes_them()
    {
        if (!Available())
        {
            return;
        }

        using var pair = await PairAsync();
        var (client, _, pipe) = pair;
        var log = new List<string>();
        var rings = new List<SendRing?>();
        var inner = new Owner("inner", log);
        var last = new Owner("last", log);
        Owner? outer = null;
        outer = new Owner("outer", log, _ =>
        {
            Internal.WriteBatch.Open();
            Internal.WriteBatch.Defer(new DeferredSend(() =>
            {
                rings.Add(Internal.WriteBatch.Ring);
                Assert.True(Add(Internal.WriteBatch.Ring!, pipe, "+inner", inner));
            }));
            Internal.WriteBatch.Close(); // its Complete returns at once: the send waits for the running one
            Assert.Equal(1, Internal.WriteBatch.Ring!.Pending);
            rings.Add(Internal.WriteBatch.Ring);
            return Add(Internal.WriteBatch.Ring!, pipe, "+last", last);
        });
        OwnThread.Run(() =>
        {
            var ring = SendRing.ForCurrentThread()!;
            ring.SendAloneDirectly = false;
            Internal.WriteBatch.Open();
            Internal.WriteBatch.Defer(new DeferredSend(() => Assert.True(Add(Internal.WriteBatch.Ring!, pipe, "outer", outer))));
            Internal.WriteBatch.Close();
            Assert.Null(Internal.WriteBatch.Ring);
            Assert.Equal(0, ring.Pending);
            Assert.Equal([ring, ring], rings);
        });

        Assert.Equal(["outer:outer", "inner:+inner", "last:+last"], log);
        Assert.Equal("outer+inner+last", await ReceiveAsync(client, 16));
    }

    /// <summary>
    /// When <c>io_uring_enter</c> fails unexpectedly, the round's sends go out with plain sends (nothing was submitted, so
    /// nothing is sent twice), each owner learns the outcome as usual, and the thread gives its ring up for good.
    /// </summary>
    [Fact]
    public async Task When_the_ring_fails_the_round_goes_out_with_plain_sends_and_the_thread_sends_directly_from_then_on()
    {
        if (!Available())
        {
            return;
        }

        using var first = await PairAsync();
        using var second = await PairAsync();
        var log = new List<string>();
        var a = new Owner("a", log);
        var b = new Owner("b", log);
        OwnThread.Run(() =>
        {
            var ring = SendRing.ForCurrentThread()!;
            ring.FailEnters = true;
            Assert.True(Add(ring, first.Pipe, "one", a));
            Assert.True(Add(ring, second.Pipe, "two", b));
            ring.Complete();
            Assert.Equal(0, ring.Pending);
            Assert.Null(SendRing.ForCurrentThread());
        });

        Assert.Equal([3], a.Results);
        Assert.Equal([3], b.Results);
        Assert.Equal(["a:one", "b:two"], log);
        Assert.Equal("one", await ReceiveAsync(first.Client, 3));
        Assert.Equal("two", await ReceiveAsync(second.Client, 3));
    }
}
