using System.Runtime.InteropServices;

namespace Cndr.LoadTests.Client;

/// <summary>
/// The generator's receive side: a few threads, each owning one level-triggered epoll set, instead of one
/// pending async receive per connection. One <c>epoll_wait</c> wakes a thread for every connection that has
/// bytes; each is then read once into the thread's large shared buffer (one <c>recv</c> per ready connection
/// per wake-up, no trailing EAGAIN read, no per-connection receive buffer while idle), and its frames are
/// handled in place. Only an incomplete tail is copied into a per-connection buffer. Connects are
/// non-blocking and finish in the same loop, so no socket is ever registered with .NET's own socket engine.
/// Linux only (the load generator needs /proc anyway).
/// </summary>
internal sealed class IoLoop
{
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;

    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const int EpollCtlMod = 3;
    private const int MaxEvents = 512;

    /// <summary>Shared per-thread receive buffer: every ready connection is read into it in turn.</summary>
    public const int SharedBufferSize = 256 * 1024;

    // struct epoll_event is packed (12 bytes) on x86-64 and naturally aligned (16 bytes) elsewhere.
    private static readonly int s_eventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int s_dataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private static readonly Lock s_slotLock = new();
    private static LeanClient?[] s_slots = new LeanClient?[1024];
    private static readonly Stack<int> s_freeSlots = new();
    private static int s_slotCount;
    private static IoLoop[]? s_loops;
    private static int s_next;
    private static int s_threads = 1;
    private static int s_batchMicros;

    private readonly int _epfd;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(SharedBufferSize, pinned: true);
    private long _wakeups;
    private long _events;

    private IoLoop(int index)
    {
        _epfd = EpollCreate1(0x80000 /* EPOLL_CLOEXEC */);
        if (_epfd < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }

        var thread = new Thread(Run) { IsBackground = true, Name = $"cndr-load io {index}" };
        thread.Start();
    }

    /// <summary>Number of receive threads (set before the first connection; default 1).</summary>
    public static int Threads
    {
        get => s_threads;
        set
        {
            if (s_loops is not null && value != s_threads)
            {
                throw new InvalidOperationException("IoLoop.Threads must be set before the first connection");
            }

            s_threads = Math.Clamp(value, 1, 64);
        }
    }

    /// <summary>
    /// When a wake-up found fewer than 64 ready connections, sleep this long before the next wait so that more
    /// become ready per wake-up (fewer context switches; adds up to this much to measured latencies). 0 = off.
    /// </summary>
    public static int BatchMicros
    {
        get => s_batchMicros;
        set => s_batchMicros = Math.Clamp(value, 0, 10_000);
    }

    /// <summary>epoll_wait returns and ready events handled so far (all threads): events per wake-up shows the batching.</summary>
    public static (long Wakeups, long Events) Counters
    {
        get
        {
            long w = 0, e = 0;
            foreach (var l in s_loops ?? [])
            {
                w += Volatile.Read(ref l._wakeups);
                e += Volatile.Read(ref l._events);
            }

            return (w, e);
        }
    }

    /// <summary>Picks a loop for a new connection (round robin).</summary>
    public static IoLoop Next()
    {
        var loops = s_loops;
        if (loops is null)
        {
            lock (s_slotLock)
            {
                loops = s_loops ??= [.. Enumerable.Range(0, s_threads).Select(i => new IoLoop(i))];
            }
        }

        return loops[(int)((uint)Interlocked.Increment(ref s_next) % (uint)loops.Length)];
    }

    /// <summary>Gives the client a slot (its epoll key): low 32 bits slot index, high 32 bits a generation.</summary>
    public static ulong Assign(LeanClient client)
    {
        lock (s_slotLock)
        {
            int slot;
            if (s_freeSlots.Count > 0)
            {
                slot = s_freeSlots.Pop();
            }
            else
            {
                slot = s_slotCount++;
                if (slot == s_slots.Length)
                {
                    var bigger = new LeanClient?[s_slots.Length * 2];
                    s_slots.CopyTo(bigger, 0);
                    Volatile.Write(ref s_slots, bigger);
                }
            }

            Volatile.Write(ref s_slots[slot], client);
            return (uint)slot | ((ulong)(uint)client.Generation << 32);
        }
    }

    public static void Release(ulong key)
    {
        lock (s_slotLock)
        {
            var slot = (int)(uint)key;
            s_slots[slot] = null;
            s_freeSlots.Push(slot);
        }
    }

    public bool Add(int fd, ulong key, uint events) => Control(EpollCtlAdd, fd, key, events);

    public bool Modify(int fd, ulong key, uint events) => Control(EpollCtlMod, fd, key, events);

    public void Remove(int fd) => Control(EpollCtlDel, fd, 0, 0);

    private unsafe bool Control(int op, int fd, ulong key, uint events)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + s_dataOffset) = key;
        return EpollCtl(_epfd, op, fd, ev) == 0;
    }

    private unsafe void Run()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * s_eventSize));
        while (true)
        {
            var n = EpollWait(_epfd, events, MaxEvents, -1);
            if (n < 0)
            {
                // EINTR (e.g. a debugger or a signal): just wait again.
                continue;
            }

            _wakeups++;
            _events += n;
            for (var i = 0; i < n; i++)
            {
                var e = events + (i * s_eventSize);
                var flags = *(uint*)e;
                var key = *(ulong*)(e + s_dataOffset);
                var slots = Volatile.Read(ref s_slots);
                var slot = (int)(uint)key;
                var client = slot < slots.Length ? Volatile.Read(ref slots[slot]) : null;
                if (client is null || (uint)client.Generation != (uint)(key >> 32))
                {
                    continue;
                }

                try
                {
                    client.OnReady(flags, _buffer);
                }
#pragma warning disable CA1031 // A failure of one simulated client must never stop the loop serving all others.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    client.Fail("client error: " + ex.Message);
                }
            }

            var batch = s_batchMicros;
            if (batch > 0 && n < 64)
            {
                Thread.Sleep(TimeSpan.FromMicroseconds(batch));
            }
        }
    }

    [DllImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    internal static extern int EpollCreate1(int flags);

    [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static extern unsafe int EpollCtl(int epfd, int op, int fd, byte* ev);

    [DllImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    internal static extern unsafe int EpollWait(int epfd, byte* events, int maxEvents, int timeout);
}
