using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

using Cndr.Transport.Internal;

namespace Cndr.Transport.Sockets;

/// <summary>
/// The transport's own epoll instance and thread for the readability of raw sockets (Linux, x64 and arm64).
/// The runtime's socket engine hands every completion from its epoll thread to a thread-pool thread — one wake-up
/// and one context switch per inbound message more than needed. Here the epoll thread resumes the socket's
/// <see cref="ReadableSignal"/> directly (once the connection is established, see <see cref="ReadableSignal.Inline"/>),
/// so the read, the parse and the dispatch run on it; a handler that awaits
/// (a store call) returns the thread at its first await, and the rest continues wherever that completes.
/// Registration is edge-triggered (EPOLLET): one event per arrival, never a busy socket reported again and again.
/// Nothing is ever removed with EPOLL_CTL_DEL: closing the socket removes it from the epoll set, and a token that is
/// no longer registered is ignored (a DEL after the descriptor's number was reused would remove the new socket).
/// It also accepts on listening sockets (<see cref="LoopAcceptor"/>), so a new connection's accept, HTTP request and
/// handshake run here with no hand-off. Off with CNDR_SOCKET_EPOLL=0 (the runtime's accept and zero-byte receive, for A/B runs).
/// </summary>
internal sealed class ReadinessLoop
{
    private const uint EpollIn = 0x001;
    private const uint EpollErr = 0x008;
    private const uint EpollHup = 0x010;
    private const uint EpollRdHup = 0x2000;
    private const uint EpollEt = 1u << 31;
    private const int EpollCtlAdd = 1;
    private const int EIntr = 4;
    private const int MaxEvents = 256;

    private static readonly object s_gate = new();
    private static ReadinessLoop[]? s_loops;
    private static int s_next;

    private readonly int _epoll;
    private readonly ConcurrentDictionary<long, IReadinessTarget> _signals = new();
    private long _nextToken;

    private ReadinessLoop(int epoll, int index)
    {
        _epoll = epoll;
        ThreadName = $"cndr-epoll-{index}";
        new Thread(Run) { IsBackground = true, Name = ThreadName }.Start();
    }

    /// <summary>The name of the loop's thread.</summary>
    internal string ThreadName { get; }

    /// <summary>The epoll descriptors of the loops created so far (tests: which epoll set watches a socket).</summary>
    internal static int[] EpollDescriptors => [.. (Volatile.Read(ref s_loops) ?? []).Select(l => l._epoll)];

    private static readonly string? s_mode = Environment.GetEnvironmentVariable("CNDR_SOCKET_EPOLL");

    /// <summary>True where the loop can run (and CNDR_SOCKET_EPOLL is not 0).</summary>
    internal static bool Enabled { get; } = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64
        && s_mode != "0";

    /// <summary>
    /// Every read resumes on the loop's thread from the first byte (the HTTP request, the handshake), unless
    /// CNDR_SOCKET_EPOLL=established (only an established WebSocket, after 8 more reads) or =pool (never), for A/B runs.
    /// </summary>
    internal static bool InlineFromStart { get; } = s_mode is not ("established" or "pool");

    /// <summary>CNDR_SOCKET_EPOLL=pool: every read resumes on the thread pool (A/B runs).</summary>
    internal static bool NeverInline { get; } = s_mode == "pool";

    /// <summary>
    /// Listening sockets are accepted from on the loop's thread (<see cref="LoopAcceptor"/>) unless CNDR_SOCKET_ACCEPT=runtime
    /// (the runtime's accept engine, for A/B runs).
    /// </summary>
    internal static bool AcceptOnLoop { get; } = Enabled && Environment.GetEnvironmentVariable("CNDR_SOCKET_ACCEPT") != "runtime";

    // struct epoll_event is packed on x86-64 (12 bytes, data at offset 4); 16 bytes with data at offset 8 elsewhere.
    private static int EventSize => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static int DataOffset => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>One of the process's loops (created on first use: half the cores, at least one), round robin.</summary>
    internal static ReadinessLoop? Next()
    {
        var loops = Volatile.Read(ref s_loops) ?? Create();
        if (loops.Length == 0)
        {
            return null;
        }

        return loops[(int)((uint)Interlocked.Increment(ref s_next) % (uint)loops.Length)];
    }

    private static ReadinessLoop[] Create()
    {
        lock (s_gate)
        {
            if (s_loops is { } existing)
            {
                return existing;
            }

            var count = Math.Max(1, Environment.ProcessorCount / 2);
            var loops = new List<ReadinessLoop>(count);
            for (var i = 0; i < count; i++)
            {
                var epoll = EpollCreate1(0x80000); // EPOLL_CLOEXEC
                if (epoll < 0)
                {
                    break;
                }

                loops.Add(new ReadinessLoop(epoll, i));
            }

            Volatile.Write(ref s_loops, loops.ToArray());
            return s_loops!;
        }
    }

    /// <summary>Watches the socket for readability, peer close and errors; false when epoll refused it.</summary>
    internal unsafe bool Register(SafeHandle handle, IReadinessTarget signal, out long token)
    {
        token = Interlocked.Increment(ref _nextToken);
        _signals[token] = signal;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var ev = stackalloc byte[16];
            Unsafe.WriteUnaligned(ev, EpollIn | EpollRdHup | EpollEt);
            Unsafe.WriteUnaligned(ev + DataOffset, token);
            if (EpollCtl(_epoll, EpollCtlAdd, (int)handle.DangerousGetHandle(), ev) == 0)
            {
                return true;
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        _signals.TryRemove(token, out _);
        return false;
    }

    /// <summary>Forgets the token (the descriptor leaves the epoll set when it is closed).</summary>
    internal void Unregister(long token) => _signals.TryRemove(token, out _);

    private unsafe void Run()
    {
        var size = EventSize;
        var offset = DataOffset;
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * size));
        while (true)
        {
            var n = EpollWait(_epoll, events, MaxEvents, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == EIntr)
                {
                    continue;
                }

                return; // the epoll descriptor is gone: nothing left to watch
            }

            // What the reads of this wake-up write to a shared connection (the store's Redis commands) leaves in one send.
            DeferredReads? deferred;
            using (WriteBatch.Begin())
            {
                deferred = Dispatch(events, n, size, offset);
            }

            if (deferred is not null)
            {
                ThreadPool.UnsafeQueueUserWorkItem(deferred, preferLocal: false);
            }
        }
    }

    /// <summary>Signals the targets of one wake-up's events; returns the continuations to run on the thread pool, if any.</summary>
    private unsafe DeferredReads? Dispatch(byte* events, int n, int size, int offset)
    {
        DeferredReads? deferred = null;
        for (var i = 0; i < n; i++)
        {
            var ev = events + (i * size);
            var token = Unsafe.ReadUnaligned<long>(ev + offset);
            if (_signals.TryGetValue(token, out var signal))
            {
                try
                {
                    if (signal.Set(closing: (Unsafe.ReadUnaligned<uint>(ev) & (EpollRdHup | EpollHup | EpollErr)) != 0) is { } continuation)
                    {
                        (deferred ??= new DeferredReads(n - i)).Add(continuation);
                    }
                }
                catch (Exception)
                {
                    // A connection's fault (its continuations run here) never stops the other sockets' reads.
                }
            }
        }

        return deferred;
    }

    /// <summary>The reads of one wake-up that resume on the thread pool: one work item (one wake) for all of them.</summary>
    private sealed class DeferredReads(int capacity) : IThreadPoolWorkItem
    {
        private readonly Action[] _continuations = new Action[capacity];
        private int _count;

        public void Add(Action continuation) => _continuations[_count++] = continuation;

        public void Execute()
        {
            for (var i = 0; i < _count; i++)
            {
                try
                {
                    _continuations[i]();
                }
                catch (Exception)
                {
                    // as above: one connection's fault never skips the others
                }
            }
        }
    }

    [DllImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static extern int EpollCreate1(int flags);

    [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static extern unsafe int EpollCtl(int epoll, int op, int fd, byte* ev);

    [DllImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static extern unsafe int EpollWait(int epoll, byte* events, int maxEvents, int timeout);
}
