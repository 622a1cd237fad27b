using System.Runtime.InteropServices;

namespace Cndr.Transport.Sockets;

/// <summary>
/// One thread's io_uring submission ring for the sends of one write batch: every connection the batch flushes puts its
/// bytes here, and <see cref="Complete"/> hands them all to the kernel with one <c>io_uring_enter</c> instead of one
/// <c>send()</c> each. Each send is exactly a non-blocking <c>send()</c> (<c>MSG_DONTWAIT</c>: the kernel takes what fits
/// now and reports how much, or EAGAIN, never waiting and never queueing it), issued inline by the enter call; what it
/// did not take goes back to the connection, which queues it as before. The kernel's work per send is the same; what
/// the ring saves is one system call entry and exit per send (about 1 µs each on a paravirtualised VM) and the
/// context switches a send's wake-up of its reader can cause at each of those exits.
/// </summary>
/// <remarks>
/// Per thread, created on the thread's first batch (<see cref="ForCurrentThread"/>); only that thread submits
/// (<c>IORING_SETUP_SINGLE_ISSUER</c>). Bytes are copied into the ring's own unmanaged arena, so a shared message may
/// return to its pool as soon as it is copied and nothing managed needs pinning. Bounded: <see cref="Capacity"/> sends and
/// <see cref="ArenaBytes"/> bytes per batch; a connection that does not fit sends directly. Linux x64/arm64 only; where
/// io_uring is missing or refused (an old kernel, <c>kernel.io_uring_disabled</c>, a seccomp profile) or with
/// CNDR_SEND_RING=off there is no ring and every connection sends directly, as before.
/// </remarks>
internal sealed unsafe class SendRing
{
    public const int Capacity = 512;
    public const int ArenaBytes = 512 * 1024;

    private const long SysIoUringSetup = 425; // the same number on every architecture (asm-generic)
    private const long SysIoUringEnter = 426;
    private const uint SetupSingleIssuer = 1u << 12;
    private const uint SetupDeferTaskrun = 1u << 13;
    private const uint EnterGetEvents = 1;
    private const byte OpSend = 26;
    private const long OffSqRing = 0;
    private const long OffCqRing = 0x8000000;
    private const long OffSqes = 0x10000000;
    private const uint FeatSingleMmap = 1;
    private const int ProtReadWrite = 3;
    private const int MapShared = 1;
    private const int MapPopulate = 0x8000;
    private const uint MsgDontWait = 0x40;
    private const uint MsgNoSignal = 0x4000;
    private const int EIntr = 4;
    private const int EAgain = 11;
    private const int EBusy = 16;
    private const int EInval = 22;
    private const int SqeBytes = 64;
    private const int CqeBytes = 16;
    private const int NoResult = int.MinValue;

    [ThreadStatic]
    private static SendRing? t_ring;

    [ThreadStatic]
    private static bool t_unavailable;

    private static readonly bool s_enabled = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64
        && Environment.GetEnvironmentVariable("CNDR_SEND_RING") != "off";

    private readonly int _fd;
    private readonly byte* _sqRing;
    private readonly nuint _sqRingSize;
    private readonly byte* _cqRing;
    private readonly nuint _cqRingSize;
    private readonly byte* _sqes;
    private readonly nuint _sqesSize;
    private readonly uint* _sqTail;
    private readonly uint _sqMask;
    private readonly uint* _sqArray;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly byte* _cqes;
    private readonly byte* _arena;
    private readonly Entry[] _entries = new Entry[Capacity];
    private readonly int[] _results = new int[Capacity];
    private uint _tail;
    private int _count;
    private int _submitted;
    private int _arenaUsed;
    private bool _broken;
    private bool _completing;
    private bool _keepArena;
    private int _released;

    private SendRing(int fd, byte* parameters)
    {
        _fd = fd;
        var sqEntries = *(uint*)parameters;
        var cqEntries = *(uint*)(parameters + 4);
        var features = *(uint*)(parameters + 20);
        var sqOff = parameters + 40;
        var cqOff = parameters + 80;
        _sqRingSize = *(uint*)(sqOff + 24) + (sqEntries * 4);
        _cqRingSize = *(uint*)(cqOff + 20) + (cqEntries * CqeBytes);
        if ((features & FeatSingleMmap) != 0)
        {
            _sqRingSize = _cqRingSize = Math.Max(_sqRingSize, _cqRingSize);
        }

        _sqRing = Map(_sqRingSize, OffSqRing);
        _cqRing = (features & FeatSingleMmap) != 0 ? _sqRing : Map(_cqRingSize, OffCqRing);
        _sqesSize = sqEntries * SqeBytes;
        _sqes = Map(_sqesSize, OffSqes);
        _arena = (byte*)NativeMemory.Alloc(ArenaBytes);
        if (_sqRing == null || _cqRing == null || _sqes == null)
        {
            _broken = true; // Create releases it
            return;
        }

        _sqTail = (uint*)(_sqRing + *(uint*)(sqOff + 4));
        _sqMask = *(uint*)(_sqRing + *(uint*)(sqOff + 8));
        _sqArray = (uint*)(_sqRing + *(uint*)(sqOff + 24));
        _cqHead = (uint*)(_cqRing + *(uint*)cqOff);
        _cqTail = (uint*)(_cqRing + *(uint*)(cqOff + 4));
        _cqMask = *(uint*)(_cqRing + *(uint*)(cqOff + 8));
        _cqes = _cqRing + *(uint*)(cqOff + 20);
        _tail = *_sqTail;
    }

    ~SendRing() => Release();

    /// <summary>Whether rings may be used in this process (Linux x64/arm64 and CNDR_SEND_RING is not off).</summary>
    internal static bool Enabled => s_enabled;

    /// <summary>Rounds of sends submitted through the ring so far (one <c>io_uring_enter</c> each unless interrupted), by this ring's thread.</summary>
    public long Rounds { get; private set; }

    /// <summary>Sends submitted through the ring so far.</summary>
    public long Sends { get; private set; }

    /// <summary>Sends that were alone in their round and went with a plain <c>send()</c> (<see cref="SendAloneDirectly"/>).</summary>
    public long DirectSends { get; private set; }

    /// <summary>A round of one send uses a plain <c>send()</c> (the default; tests turn it off to put single sends through the ring).</summary>
    public bool SendAloneDirectly { get; set; } = true;

    /// <summary>Tests: every <c>io_uring_enter</c> fails as an unexpected error would (the ring's way out is then taken).</summary>
    internal bool FailEnters { get; set; }

    /// <summary>Sends the kernel took only part of (or none of: the socket would have blocked) so far.</summary>
    public long ShortSends { get; private set; }

    /// <summary>Sends added and not yet submitted.</summary>
    public int Pending => _count - _submitted;

    /// <summary>Room for one more send: a free entry, and what is left of the arena (gather into it, then <see cref="TryAdd"/>).</summary>
    public Span<byte> Free => _count < Capacity && !_broken ? new Span<byte>(_arena + _arenaUsed, ArenaBytes - _arenaUsed) : default;

    /// <summary>The current thread's ring, created on first use; null where rings are off or io_uring is refused.</summary>
    public static SendRing? ForCurrentThread()
    {
        if (t_ring is { } ring)
        {
            return ring;
        }

        if (!s_enabled || t_unavailable)
        {
            return null;
        }

        t_ring = Create();
        t_unavailable = t_ring is null;
        return t_ring;
    }

    /// <summary>
    /// Queues a send of the first <paramref name="length"/> bytes of <see cref="Free"/> on <paramref name="pipe"/>'s socket
    /// for <see cref="Complete"/>, which reports its outcome to <paramref name="owner"/>. False when the socket is already
    /// disposed (nothing is queued: the caller treats it as a failed send).
    /// </summary>
    public bool TryAdd(SocketPipe pipe, int length, IRingSendOwner owner)
    {
        var handle = pipe.Handle;
        var added = false;
        try
        {
            // Holds the descriptor open until the send completed: a concurrent Dispose cannot let its number be reused.
            handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        var index = _count++;
        _entries[index] = new Entry(owner, handle, _arenaUsed, length);
        var sqe = _sqes + ((_tail & _sqMask) * SqeBytes);
        new Span<byte>(sqe, SqeBytes).Clear();
        sqe[0] = OpSend;
        *(int*)(sqe + 4) = (int)handle.DangerousGetHandle();
        *(ulong*)(sqe + 16) = (ulong)(_arena + _arenaUsed);
        *(uint*)(sqe + 24) = (uint)length;
        *(uint*)(sqe + 28) = MsgDontWait | MsgNoSignal;
        *(ulong*)(sqe + 32) = (ulong)index;
        _sqArray[_tail & _sqMask] = _tail & _sqMask;
        _tail++;
        _arenaUsed += length;
        return true;
    }

    /// <summary>
    /// Submits every queued send with one <c>io_uring_enter</c>, waits for their outcomes (each is immediate: nothing
    /// waits for socket space) and reports each to its owner, in the order they were added. An owner may add again from
    /// its report; those go in the next round, until nothing is pending. Never throws.
    /// </summary>
    public void Complete()
    {
        if (_completing)
        {
            return; // called again from an owner's report (a nested batch): the running call takes what it added
        }

        _completing = true;
        try
        {
            CompleteRounds();
        }
        finally
        {
            _completing = false;
        }

        _count = 0;
        _submitted = 0;
        _arenaUsed = 0;
        if (_broken && t_ring == this)
        {
            t_ring = null;
            t_unavailable = true;
            Release();
        }
    }

    private void CompleteRounds()
    {
        while (_submitted < _count)
        {
            var from = _submitted;
            var to = _count;
            Submit(from, to);
            _submitted = to;
            for (var i = from; i < to; i++)
            {
                var e = _entries[i];
                _entries[i] = default;
                e.Handle.DangerousRelease();
                if (_results[i] != e.Length)
                {
                    ShortSends++;
                }

                try
                {
                    e.Owner.OnRingSendCompleted(_results[i], new ReadOnlySpan<byte>(_arena + e.Offset, e.Length));
                }
                catch (Exception)
                {
                    // One connection's fault never keeps the others' outcomes back.
                }
            }
        }
    }

    // Results: bytes the kernel took (0 when it would block), or -1 when the socket failed.
    private void Submit(int from, int to)
    {
        if (to - from == 1 && SendAloneDirectly)
        {
            // One send is one system call either way, and a plain send() skips the ring's own work: its entry is taken back.
            _tail--;
            var e = _entries[from];
            _results[from] = SocketPipe.SendDescriptor((int)e.Handle.DangerousGetHandle(), _arena + e.Offset, e.Length);
            DirectSends++;
            return;
        }

        Volatile.Write(ref *_sqTail, _tail); // the entries' bytes are written before the kernel may see the new tail
        var toSubmit = (uint)(to - from);
        var outstanding = to - from;
        var idle = 0;
        for (var i = from; i < to; i++)
        {
            _results[i] = NoResult;
        }

        while (outstanding > 0 && !_broken)
        {
            var r = FailEnters ? -1 : Enter(SysIoUringEnter, _fd, toSubmit, (uint)outstanding, EnterGetEvents, 0, 0);
            if (r >= 0)
            {
                toSubmit -= (uint)r;
            }
            else if (FailEnters || Marshal.GetLastPInvokeError() is not (EIntr or EAgain or EBusy))
            {
                _broken = true; // unexpected: finish this batch with plain sends and give the ring up
            }

            var reaped = Reap();
            outstanding -= reaped;
            idle = r > 0 || reaped > 0 ? 0 : idle + 1;
            if (idle == 100)
            {
                _broken = true; // the kernel neither takes entries nor completes them: the same way out
            }
        }

        Rounds++;
        Sends += to - from;
        if (outstanding > 0)
        {
            // The kernel consumes entries in order and completes a consumed MSG_DONTWAIT send before the call returns, so
            // what is outstanding should never have been submitted: it goes out with a plain send each. An entry the
            // kernel took and did not complete (not seen, but not ruled out) counts as failed: sending it again could
            // repeat its bytes. Its connection closes; the arena stays allocated, the kernel may still read it.
            var consumed = (to - from) - (int)toSubmit;
            for (var i = from; i < to; i++)
            {
                if (_results[i] != NoResult)
                {
                    continue;
                }

                if (i - from < consumed)
                {
                    _results[i] = -1;
                    _keepArena = true;
                    continue;
                }

                var e = _entries[i];
                _results[i] = SocketPipe.SendDescriptor((int)e.Handle.DangerousGetHandle(), _arena + e.Offset, e.Length);
            }
        }
    }

    private int Reap()
    {
        var head = *_cqHead;
        var tail = Volatile.Read(ref *_cqTail);
        var n = 0;
        for (; head != tail; head++, n++)
        {
            var cqe = _cqes + ((head & _cqMask) * CqeBytes);
            var index = (int)*(ulong*)cqe;
            var res = *(int*)(cqe + 8);
            _results[index] = res >= 0 ? res : res is -EAgain or -EIntr ? 0 : -1;
        }

        Volatile.Write(ref *_cqHead, head);
        return n;
    }

    private static SendRing? Create()
    {
        var parameters = stackalloc byte[120];
        var fd = Setup(parameters, SetupSingleIssuer | SetupDeferTaskrun);
        if (fd < 0 && Marshal.GetLastPInvokeError() == EInval)
        {
            fd = Setup(parameters, 0); // a kernel before 6.1 (no deferred task running)
        }

        if (fd < 0)
        {
            return null;
        }

        var ring = new SendRing(fd, parameters);
        if (ring._broken)
        {
            ring.Release();
            return null;
        }

        return ring;
    }

    private static int Setup(byte* parameters, uint flags)
    {
        new Span<byte>(parameters, 120).Clear();
        *(uint*)(parameters + 8) = flags;
        return (int)SetupNative(SysIoUringSetup, Capacity, parameters);
    }

    private byte* Map(nuint size, long offset)
    {
        var p = MMap(0, size, ProtReadWrite, MapShared | MapPopulate, _fd, offset);
        return p == -1 ? null : (byte*)p;
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        if (_sqes != null)
        {
            _ = MUnmap((nint)_sqes, _sqesSize);
        }

        if (_cqRing != null && _cqRing != _sqRing)
        {
            _ = MUnmap((nint)_cqRing, _cqRingSize);
        }

        if (_sqRing != null)
        {
            _ = MUnmap((nint)_sqRing, _sqRingSize);
        }

        if (!_keepArena)
        {
            NativeMemory.Free(_arena);
        }

        _ = Close(_fd);
        GC.SuppressFinalize(this);
    }

    private readonly record struct Entry(IRingSendOwner Owner, SafeHandle Handle, int Offset, int Length);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long SetupNative(long number, uint entries, byte* parameters);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long Enter(long number, int fd, uint toSubmit, uint minComplete, uint flags, nint sig, nuint sigSize);

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static extern nint MMap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static extern int MUnmap(nint address, nuint length);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
