using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Cndr.LoadTests.Client;

namespace Cndr.LoadTests.Floor;

/// <summary>
/// <c>cndr-load floor-sender</c>: the floor a relay's fan-out is measured against. A process of its own (so its
/// CPU is read from /proc like a server's) that accepts the same sockets as a fan-out run (per room one host
/// and its receivers, each naming its room in an 8-byte hello) and, for every 16-byte trigger a host sends
/// (send timestamp, sequence number), writes one pre-built game_state WebSocket frame to each receiver of the
/// room with one plain non-blocking <c>send()</c>: no parsing, no queue, no protocol. A receiver that cannot
/// take a whole frame (EAGAIN or a short write) is shut down, so the generator counts it as a failure instead
/// of the floor silently queueing. One thread serves all triggers (epoll over the hosts); a second accepts.
/// </summary>
internal sealed unsafe class FloorSender
{
    /// <summary>Hello: role byte ('H' host, 'R' receiver), 3 bytes padding, room index (int32, little-endian).</summary>
    public const int HelloBytes = 8;

    /// <summary>Trigger: send timestamp (Stopwatch ticks, int64), sequence number (int64); both little-endian.</summary>
    public const int TriggerBytes = 16;

    private const int TimestampDigits = 19;
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private const int ShutRdWr = 2;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, int[]> _receivers = [];
    private readonly List<Socket> _sockets = [];
    private readonly List<(Socket Socket, int Fd, int Room, byte[] Buffer)> _hosts = [];
    private readonly byte[] _frame;
    private readonly int _timestampOffset;
    private readonly int _epfd;
    private long _sends;
    private long _refused;

    private FloorSender(int stateBytes)
    {
        (_frame, _timestampOffset) = BuildFrame(stateBytes);
        _epfd = IoLoop.EpollCreate1(0x80000);
        if (_epfd < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Entry point of <c>cndr-load floor-sender [--size BYTES]</c>; listens on $BIND_ADDRESS:$PORT until killed.</summary>
    public static int Run(string[] args)
    {
        var size = 1024;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--size" && i + 1 < args.Length && int.TryParse(args[++i], System.Globalization.CultureInfo.InvariantCulture, out var s) && s is >= 32 and <= 60_000)
            {
                size = s;
            }
            else
            {
                Console.Error.WriteLine($"floor-sender: bad argument '{args[i]}' (usage: floor-sender [--size 32..60000])");
                return 2;
            }
        }

        if (!int.TryParse(Environment.GetEnvironmentVariable("PORT"), System.Globalization.CultureInfo.InvariantCulture, out var port) || port is <= 0 or > 65535)
        {
            Console.Error.WriteLine("floor-sender: set PORT");
            return 2;
        }

        var address = IPAddress.Parse(Environment.GetEnvironmentVariable("BIND_ADDRESS") ?? "127.0.0.1");
        if (!IPAddress.IsLoopback(address))
        {
            Console.Error.WriteLine("floor-sender: loopback only");
            return 2;
        }

        var floor = new FloorSender(size);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            Console.Error.WriteLine($"floor-sender: {Interlocked.Read(ref floor._sends)} frames sent, {Interlocked.Read(ref floor._refused)} refused (receiver shut down)");
        using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, port));
        listener.Listen(4096);
        new Thread(floor.TriggerLoop) { IsBackground = true, Name = "floor triggers" }.Start();
        Console.Error.WriteLine($"floor-sender: listening on {address}:{port}, frame {floor._frame.Length} bytes");
        while (true)
        {
            floor.Accept(listener.Accept());
        }
    }

    /// <summary>Reads the hello (blocking, short timeout), registers the socket, answers 'K'.</summary>
    private void Accept(Socket socket)
    {
        Span<byte> hello = stackalloc byte[HelloBytes];
        try
        {
            socket.NoDelay = true;
            socket.ReceiveTimeout = 5000;
            var got = 0;
            while (got < HelloBytes)
            {
                var n = socket.Receive(hello[got..]);
                if (n == 0)
                {
                    socket.Dispose(); // e.g. the launcher's port probe
                    return;
                }

                got += n;
            }
        }
        catch (SocketException)
        {
            socket.Dispose();
            return;
        }

        var room = BitConverter.ToInt32(hello[4..]);
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        lock (_lock)
        {
            _sockets.Add(socket);
            if (hello[0] == (byte)'H')
            {
                _hosts.Add((socket, fd, room, new byte[64 * 1024]));
                var ev = stackalloc byte[16];
                *(uint*)ev = IoLoop.EpollIn;
                *(ulong*)(ev + (RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8)) = (ulong)(_hosts.Count - 1);
                IoLoop.EpollCtl(_epfd, 1, fd, ev);
            }
            else
            {
                _receivers[room] = _receivers.TryGetValue(room, out var old) ? [.. old, fd] : [fd];
            }
        }

        socket.Send("K"u8);
        socket.Blocking = false;
    }

    private void TriggerLoop()
    {
        var eventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
        var dataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;
        var events = (byte*)NativeMemory.Alloc((nuint)(64 * eventSize));
        var filled = new Dictionary<int, int>();
        while (true)
        {
            var n = IoLoop.EpollWait(_epfd, events, 64, -1);
            for (var i = 0; i < n; i++)
            {
                var index = (int)*(ulong*)(events + (i * eventSize) + dataOffset);
                (Socket Socket, int Fd, int Room, byte[] Buffer) host;
                int[]? receivers;
                lock (_lock)
                {
                    host = _hosts[index];
                    _receivers.TryGetValue(host.Room, out receivers);
                }

                var have = filled.GetValueOrDefault(index);
                int got;
                fixed (byte* b = host.Buffer)
                {
                    got = (int)Recv(host.Fd, b + have, (nint)(host.Buffer.Length - have), MsgDontWait);
                }

                if (got <= 0)
                {
                    if (got == 0 || Marshal.GetLastPInvokeError() is not (11 or 4))
                    {
                        IoLoop.EpollCtl(_epfd, 2, host.Fd, events); // the host left
                    }

                    continue;
                }

                have += got;
                var done = 0;
                for (; have - done >= TriggerBytes; done += TriggerBytes)
                {
                    Burst(BitConverter.ToInt64(host.Buffer, done), receivers ?? []);
                }

                host.Buffer.AsSpan(done, have - done).CopyTo(host.Buffer);
                filled[index] = have - done;
            }
        }
    }

    /// <summary>The floor itself: the timestamp into the pre-built frame, then one send per receiver.</summary>
    private void Burst(long timestamp, int[] receivers)
    {
        Utf8Formatter.TryFormat(timestamp, _frame.AsSpan(_timestampOffset, TimestampDigits), out _, new StandardFormat('D', TimestampDigits));
        fixed (byte* frame = _frame)
        {
            foreach (var fd in receivers)
            {
                var sent = Send(fd, frame, _frame.Length, MsgDontWait | MsgNoSignal);
                if (sent == _frame.Length)
                {
                    _sends++;
                    continue;
                }

                // EAGAIN or a short write: the floor does not queue; the generator sees the receiver close.
                Interlocked.Increment(ref _refused);
                _ = Shutdown(fd, ShutRdWr);
            }
        }
    }

    /// <summary>One unmasked text frame: <c>42["game_state",{"state":{"ts":T,"seq":0,"pad":"x…"},"rev":1}]</c>, T fixed-width.</summary>
    private static (byte[] Frame, int TimestampOffset) BuildFrame(int stateBytes)
    {
        var head = "42[\"game_state\",{\"state\":{\"ts\":"u8;
        var mid = ",\"seq\":0,\"pad\":\""u8;
        var tail = "\"},\"rev\":1}]"u8;
        var stateSoFar = 7 + TimestampDigits + mid.Length;
        var pad = Math.Max(0, stateBytes - stateSoFar - 2);
        var payloadLength = head.Length + TimestampDigits + mid.Length + pad + tail.Length;
        var headerLength = payloadLength < 126 ? 2 : 4;
        var frame = GC.AllocateUninitializedArray<byte>(headerLength + payloadLength, pinned: true);
        frame[0] = 0x81;
        if (headerLength == 2)
        {
            frame[1] = (byte)payloadLength;
        }
        else
        {
            frame[1] = 126;
            frame[2] = (byte)(payloadLength >> 8);
            frame[3] = (byte)payloadLength;
        }

        var at = headerLength;
        head.CopyTo(frame.AsSpan(at));
        at += head.Length;
        var timestampOffset = at;
        frame.AsSpan(at, TimestampDigits).Fill((byte)'0');
        at += TimestampDigits;
        mid.CopyTo(frame.AsSpan(at));
        at += mid.Length;
        frame.AsSpan(at, pad).Fill((byte)'x');
        at += pad;
        tail.CopyTo(frame.AsSpan(at));
        return (frame, timestampOffset);
    }

    [DllImport("libc", EntryPoint = "send", SetLastError = true)]
    private static extern nint Send(int fd, byte* buffer, nint length, int flags);

    [DllImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static extern nint Recv(int fd, byte* buffer, nint length, int flags);

    [DllImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static extern int Shutdown(int fd, int how);
}
