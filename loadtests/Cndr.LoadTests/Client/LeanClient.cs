using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cndr.LoadTests.Client;

/// <summary>Callbacks from a connection's reader. Spans are only valid during the call.</summary>
internal interface IClientHandler
{
    /// <summary>A Socket.IO EVENT: <paramref name="name"/> is the event name, <paramref name="packet"/> the whole JSON array.</summary>
    void OnEvent(LeanClient client, ReadOnlySpan<byte> name, ReadOnlySpan<byte> packet);

    /// <summary>An ACK nobody awaits (emitted with <see cref="LeanClient.Emit"/>): payload is the JSON array.</summary>
    void OnAck(LeanClient client, int ackId, ReadOnlySpan<byte> payload);

    void OnClosed(LeanClient client);
}

internal enum ClientRole
{
    Host,
    Player,
    Audience,
}

/// <summary>How a client joins its room (PROTOCOL §3).</summary>
internal enum HandshakeMode
{
    /// <summary>The join object rides in the Socket.IO CONNECT packet as auth.</summary>
    Auth,

    /// <summary>Plain CONNECT, then a <c>handshake</c> event with an ack.</summary>
    Event,
}

/// <summary>
/// A lean Socket.IO v4 client over one WebSocket. Its socket is non-blocking and served by an
/// <see cref="IoLoop"/> thread (epoll): received frames are parsed in place in the loop's shared buffer (no
/// string per message, no per-connection receive buffer unless a frame is split across reads); sends are
/// masked and coalesced into a pooled buffer that whoever finds the socket idle writes with a plain
/// non-blocking send, continued by the loop on EPOLLOUT only when the kernel pushes back.
/// </summary>
internal sealed class LeanClient
{
    private const int SendBufferSize = 4 * 1024;
    private const int MaxResponseHead = 8 * 1024;
    private const int StateConnecting = 0;
    private const int StateUpgrading = 1;
    private const int StateOpen = 2;
    private const int StateRawJoining = 3;

    private static int s_generation;
    private static long s_pingsAnswered;

    private readonly Socket _socket;
    private readonly int _fd;
    private readonly IoLoop _loop;
    private readonly ulong _key;
    private readonly IClientHandler _handler;
    private readonly object _sendLock = new();
    private readonly byte[]? _auth;
    private readonly HandshakeMode _mode;
    private readonly TaskCompletionSource<JoinResult> _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _upgradeKey;
    private readonly bool _raw;
    private int _state;
    private byte[]? _tail;
    private int _tailLength;
    private byte[] _pending;
    private int _pendingLength;
    private byte[] _inFlight;
    private int _inFlightLength;
    private int _inFlightSent;
    private bool _sending;
    private uint _maskState;
    private int _nextAckId;
    private Dictionary<int, TaskCompletionSource<byte[]>>? _awaitedAcks;
    private List<byte>? _fragments;
    private int _closed;

    private LeanClient(Socket socket, IClientHandler handler, byte[]? auth, HandshakeMode mode, TargetEndpoint endpoint, byte[]? rawHello = null)
    {
        _raw = rawHello is not null;
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _handler = handler;
        _auth = auth;
        _mode = mode;
        _pending = ArrayPool<byte>.Shared.Rent(SendBufferSize);
        _inFlight = ArrayPool<byte>.Shared.Rent(SendBufferSize);
        _maskState = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
        Generation = Interlocked.Increment(ref s_generation);
        _loop = IoLoop.Next();
        _key = IoLoop.Assign(this);
        var upgradeKey = "";
        var request = rawHello ?? LeanWebSocket.BuildUpgradeRequest(endpoint.HostHeader, endpoint.SocketIOPath, out upgradeKey);
        _upgradeKey = upgradeKey;
        lock (_sendLock)
        {
            request.CopyTo(_pending, 0);
            _pendingLength = request.Length;
        }
    }

    /// <summary>Distinguishes this client from earlier users of its <see cref="IoLoop"/> slot.</summary>
    public int Generation { get; }

    /// <summary>Free slot for the scenario (room index, seat, …).</summary>
    public int Room { get; set; }

    public int Index { get; set; }

    public ClientRole Role { get; set; }

    public int Node { get; set; }

    /// <summary>Stopwatch ticks of the last emit whose ack the scenario times.</summary>
    public long LastSendTicks { get; set; }

    public string? ClientId { get; set; }

    /// <summary>Closed on purpose by the scenario (churn, connect teardown): not an error.</summary>
    public bool Retired { get; set; }

    public string? SeatToken { get; set; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Engine.IO pings answered by all clients of this process so far.</summary>
    public static long PingsAnswered => Interlocked.Read(ref s_pingsAnswered);

    /// <summary>
    /// Connects (non-blocking, finished by the I/O loop), upgrades, and joins a room with
    /// <paramref name="joinJson"/> (the handshake object); completes when <c>handshake_response</c> arrives
    /// (success or error) or the connect is refused.
    /// </summary>
    public static async Task<(LeanClient Client, JoinResult Result)> ConnectAsync(
        TargetEndpoint endpoint, byte[] joinJson, HandshakeMode mode, IClientHandler handler, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };
        var client = new LeanClient(socket, handler, joinJson, mode, endpoint);
        try
        {
            client.Start(new IPEndPoint(endpoint.Address, endpoint.Port));
            using var reg = cancellationToken.Register(static c => ((LeanClient)c!).Close(), client);
            var result = await client._joined.Task;
            return (client, result);
        }
        catch
        {
            client.Close();
            throw;
        }
    }

    /// <summary>
    /// Raw mode (the floor scenario, against <c>cndr-load floor-sender</c>): connects, sends
    /// <paramref name="hello"/> as plain bytes (no upgrade, no Engine.IO), and completes when the peer answers
    /// with one <c>K</c>; from then on the peer's bytes are parsed as unmasked WebSocket frames as usual, and
    /// <see cref="SendRaw"/> writes plain bytes.
    /// </summary>
    public static async Task<LeanClient> ConnectRawAsync(TargetEndpoint endpoint, byte[] hello, IClientHandler handler, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };
        var client = new LeanClient(socket, handler, null, HandshakeMode.Auth, endpoint, hello);
        try
        {
            client.Start(new IPEndPoint(endpoint.Address, endpoint.Port));
            using var reg = cancellationToken.Register(static c => ((LeanClient)c!).Close(), client);
            await client._joined.Task;
            return client;
        }
        catch
        {
            client.Close();
            throw;
        }
    }

    private void Start(IPEndPoint remote)
    {
        var connected = false;
        try
        {
            _socket.Connect(remote);
            connected = true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
        }
        catch (SocketException e)
        {
            Fail($"connect to {remote} failed: {e.SocketErrorCode}");
            return;
        }

        // Registered only after connect() started: an unconnected socket reports EPOLLOUT|EPOLLHUP at once.
        if (!_loop.Add(_fd, _key, IoLoop.EpollIn | IoLoop.EpollRdHup | (connected ? 0 : IoLoop.EpollOut)))
        {
            Fail("epoll_ctl(ADD) failed");
            return;
        }

        if (connected)
        {
            OnConnected();
        }
    }

    private void OnConnected()
    {
        _state = _raw ? StateRawJoining : StateUpgrading;
        lock (_sendLock)
        {
            _sending = true;
        }

        // The upgrade request sits in the pending buffer since construction.
        PumpSends();
    }

    /// <summary>Called by the I/O loop with the ready events and its shared receive buffer.</summary>
    internal void OnReady(uint events, byte[] buffer)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return;
        }

        if (_state == StateConnecting)
        {
            var error = _socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int e ? e : -1;
            if (error != 0)
            {
                Fail($"connect failed: {(error > 0 ? ((SocketError)error).ToString() : "unknown")}");
                return;
            }

            if ((events & IoLoop.EpollOut) == 0)
            {
                return;
            }

            _loop.Modify(_fd, _key, IoLoop.EpollIn | IoLoop.EpollRdHup);
            OnConnected();
            return;
        }

        if ((events & IoLoop.EpollOut) != 0)
        {
            OnWritable();
        }

        if ((events & (IoLoop.EpollIn | IoLoop.EpollHup | IoLoop.EpollErr | IoLoop.EpollRdHup)) != 0)
        {
            Receive(buffer);
        }
    }

    /// <summary>Fails the join (if still pending) with <paramref name="message"/> and closes.</summary>
    internal void Fail(string message)
    {
        _joined.TrySetException(new IOException(message));
        Close();
    }

    /// <summary>Emits <c>42&lt;ackId&gt;["event",body]</c> (no ack id when <paramref name="withAck"/> is false; returns 0); returns the ack id. Ack arrives at <see cref="IClientHandler.OnAck"/>.</summary>
    public int Emit(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> body, bool flush = true, bool withAck = true)
    {
        var ackId = withAck ? Interlocked.Increment(ref _nextAckId) : 0;
        var size = 2 + 11 + 2 + eventName.Length + 2 + body.Length + 1;
        var rented = size <= 1024 ? null : ArrayPool<byte>.Shared.Rent(size);
        Span<byte> buffer = rented is null ? stackalloc byte[1024] : rented;
        var n = WritePacket(buffer, ackId, eventName, body);
        Enqueue(buffer[..n]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        if (flush)
        {
            Flush();
        }

        return ackId;
    }

    /// <summary>Emits with an ack and waits for it (setup and checks only: allocates).</summary>
    public Task<byte[]> EmitWithAckAsync(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> body)
    {
        var tcs = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var ackId = Interlocked.Increment(ref _nextAckId);
        lock (_sendLock)
        {
            (_awaitedAcks ??= [])[ackId] = tcs;
        }

        var buffer = new byte[2 + 11 + 2 + eventName.Length + 2 + body.Length + 1];
        var n = WritePacket(buffer, ackId, eventName, body);
        Enqueue(buffer.AsSpan(0, n));
        Flush();
        return tcs.Task;
    }

    private static int WritePacket(Span<byte> buffer, int ackId, ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> body)
    {
        buffer[0] = (byte)'4';
        buffer[1] = (byte)'2';
        var n = 2;
        if (ackId > 0)
        {
            Utf8Formatter.TryFormat(ackId, buffer[2..], out var digits);
            n += digits;
        }

        buffer[n++] = (byte)'[';
        buffer[n++] = (byte)'"';
        eventName.CopyTo(buffer[n..]);
        n += eventName.Length;
        buffer[n++] = (byte)'"';
        if (!body.IsEmpty)
        {
            buffer[n++] = (byte)',';
            body.CopyTo(buffer[n..]);
            n += body.Length;
        }

        buffer[n++] = (byte)']';
        return n;
    }

    /// <summary>Raw mode: adds plain bytes (no frame) to the pending send buffer (no syscall).</summary>
    public void SendRaw(ReadOnlySpan<byte> bytes, bool flush = true)
    {
        lock (_sendLock)
        {
            var need = _pendingLength + bytes.Length;
            if (need > _pending.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(need, _pending.Length * 2));
                _pending.AsSpan(0, _pendingLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_pending);
                _pending = bigger;
            }

            bytes.CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += bytes.Length;
        }

        if (flush)
        {
            Flush();
        }
    }

    /// <summary>Adds one text frame to the pending send buffer (no syscall).</summary>
    public void Enqueue(ReadOnlySpan<byte> payload)
    {
        lock (_sendLock)
        {
            var need = _pendingLength + LeanWebSocket.FrameSize(payload.Length);
            if (need > _pending.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(need, _pending.Length * 2));
                _pending.AsSpan(0, _pendingLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_pending);
                _pending = bigger;
            }

            _pendingLength += LeanWebSocket.WriteFrame(_pending.AsSpan(_pendingLength), LeanWebSocket.OpText, payload, NextMask());
        }
    }

    /// <summary>Writes what is pending unless a write is already in flight (which then picks it up).</summary>
    public void Flush()
    {
        lock (_sendLock)
        {
            if (_sending || _pendingLength == 0 || _closed != 0 || _state == StateConnecting)
            {
                return;
            }

            _sending = true;
        }

        PumpSends();
    }

    /// <summary>Runs while this thread owns the send side (<c>_sending</c>): writes until nothing is pending or the kernel pushes back.</summary>
    private void PumpSends()
    {
        while (true)
        {
            if (_inFlightSent == _inFlightLength)
            {
                lock (_sendLock)
                {
                    if (_pendingLength == 0 || _closed != 0)
                    {
                        _sending = false;
                        return;
                    }

                    (_pending, _inFlight) = (_inFlight, _pending);
                    _inFlightLength = _pendingLength;
                    _inFlightSent = 0;
                    _pendingLength = 0;
                }
            }

            while (_inFlightSent < _inFlightLength)
            {
                int n;
                SocketError error;
                try
                {
                    n = _socket.Send(_inFlight.AsSpan(_inFlightSent, _inFlightLength - _inFlightSent), SocketFlags.None, out error);
                }
                catch (ObjectDisposedException)
                {
                    Close();
                    return;
                }

                if (error == SocketError.WouldBlock)
                {
                    // Keep owning the send side; the loop continues on EPOLLOUT.
                    _loop.Modify(_fd, _key, IoLoop.EpollIn | IoLoop.EpollRdHup | IoLoop.EpollOut);
                    return;
                }

                if (error != SocketError.Success)
                {
                    Close();
                    return;
                }

                _inFlightSent += n;
            }
        }
    }

    /// <summary>EPOLLOUT: only registered while a send is blocked, by the thread that owns the send side.</summary>
    private void OnWritable()
    {
        bool owner;
        lock (_sendLock)
        {
            owner = _sending;
        }

        if (!owner)
        {
            return;
        }

        // Drop write interest first (while still owning the send side), then continue.
        _loop.Modify(_fd, _key, IoLoop.EpollIn | IoLoop.EpollRdHup);
        PumpSends();
    }

    private uint NextMask()
    {
        // xorshift32: masking needs unpredictability against proxies, not cryptographic strength here.
        var x = _maskState;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        _maskState = x;
        return x;
    }

    /// <summary>Closes the TCP connection abruptly (as a crashed or unplugged client would).</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _loop.Remove(_fd);
        IoLoop.Release(_key);
        try
        {
            _socket.Dispose();
        }
        catch (ObjectDisposedException)
        {
        }

        _joined.TrySetException(new IOException("connection closed before the handshake completed"));
        List<TaskCompletionSource<byte[]>>? waiting = null;
        lock (_sendLock)
        {
            if (_awaitedAcks is not null)
            {
                waiting = [.. _awaitedAcks.Values];
                _awaitedAcks.Clear();
            }
        }

        if (waiting is not null)
        {
            foreach (var w in waiting)
            {
                w.TrySetException(new IOException("connection closed before the ack"));
            }
        }

        _handler.OnClosed(this);
    }

    /// <summary>
    /// Reads what the socket has into the loop's shared buffer (after any tail kept from the last read) and
    /// handles it in place; reads again only when a read filled the buffer. An incomplete frame is kept in
    /// a per-connection buffer until the next wake-up.
    /// </summary>
    private void Receive(byte[] shared)
    {
        var work = shared;
        var filled = 0;
        if (_tailLength > 0)
        {
            var tail = _tail!;
            filled = _tailLength;
            _tail = null;
            _tailLength = 0;
            if (filled <= shared.Length / 2)
            {
                tail.AsSpan(0, filled).CopyTo(shared);
                ArrayPool<byte>.Shared.Return(tail);
            }
            else
            {
                // A frame larger than half the shared buffer: keep reading into the (growing) tail itself.
                work = tail.Length - filled < 16 * 1024 ? Grow(tail, filled) : tail;
            }
        }

        for (var reads = 0; reads < 8; reads++)
        {
            var space = work.Length - filled;
            int n;
            SocketError error;
            try
            {
                n = _socket.Receive(work.AsSpan(filled, space), SocketFlags.None, out error);
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (error == SocketError.WouldBlock)
            {
                break;
            }

            if (error != SocketError.Success || n == 0)
            {
                Close();
                return;
            }

            var total = filled + n;
            var consumed = Process(work.AsSpan(0, total));
            if (consumed < 0)
            {
                Close();
                return;
            }

            filled = total - consumed;
            if (filled > 0 && consumed > 0)
            {
                work.AsSpan(consumed, filled).CopyTo(work);
            }

            if (n < space || Volatile.Read(ref _closed) != 0)
            {
                break;
            }

            if (filled > work.Length / 2)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(work.Length * 2);
                work.AsSpan(0, filled).CopyTo(bigger);
                if (work != shared)
                {
                    ArrayPool<byte>.Shared.Return(work);
                }

                work = bigger;
            }
        }

        if (filled > 0)
        {
            if (work == shared)
            {
                _tail = ArrayPool<byte>.Shared.Rent(Math.Max(filled, 4096));
                shared.AsSpan(0, filled).CopyTo(_tail);
            }
            else
            {
                _tail = work;
            }

            _tailLength = filled;
        }
        else if (work != shared)
        {
            ArrayPool<byte>.Shared.Return(work);
        }
    }

    private static byte[] Grow(byte[] buffer, int length)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, length + (64 * 1024)));
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    /// <summary>Handles the upgrade response, then every complete frame; returns bytes consumed, or -1 to close.</summary>
    private int Process(ReadOnlySpan<byte> data)
    {
        var offset = 0;
        if (_state == StateRawJoining)
        {
            if (data.IsEmpty)
            {
                return 0;
            }

            if (data[0] != (byte)'K')
            {
                Fail("floor: the peer did not accept the hello");
                return -1;
            }

            _state = StateOpen;
            _joined.TrySetResult(JoinResult.RawAccepted);
            offset = 1;
        }
        else if (_state == StateUpgrading)
        {
            var end = data.IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                if (data.Length > MaxResponseHead)
                {
                    Fail("WebSocket upgrade: response head too large");
                    return -1;
                }

                return 0;
            }

            var failure = LeanWebSocket.CheckUpgradeResponse(data[..end], _upgradeKey);
            if (failure is not null)
            {
                Fail(failure);
                return -1;
            }

            _state = StateOpen;
            offset = end + 4;
        }

        var frames = ProcessFrames(data[offset..]);
        return frames < 0 ? -1 : offset + frames;
    }

    /// <summary>Handles every complete frame in <paramref name="data"/>; returns bytes consumed, or -1 when the connection must end.</summary>
    private int ProcessFrames(ReadOnlySpan<byte> data)
    {
        var start = 0;
        while (true)
        {
            var available = data[start..];
            if (!LeanWebSocket.TryParseFrame(available, out var fin, out var opcode, out var headerLength, out var payloadLength, out var error))
            {
                break;
            }

            if (error is not null || payloadLength > 64L * 1024 * 1024)
            {
                return -1;
            }

            if (available.Length < headerLength + payloadLength)
            {
                break;
            }

            var payload = available.Slice(headerLength, (int)payloadLength);
            start += headerLength + (int)payloadLength;
            switch (opcode)
            {
                case LeanWebSocket.OpText when fin && _fragments is null:
                    if (!HandleEngineIO(payload))
                    {
                        return -1;
                    }

                    break;
                case LeanWebSocket.OpText or LeanWebSocket.OpBinary or LeanWebSocket.OpContinuation:
                    // Fragmented message (rare: servers here do not fragment); assemble it.
                    (_fragments ??= []).AddRange(payload);
                    if (fin)
                    {
                        var whole = _fragments.ToArray();
                        _fragments = null;
                        if (!HandleEngineIO(whole))
                        {
                            return -1;
                        }
                    }

                    break;
                case LeanWebSocket.OpPing:
                    Enqueue(payload, LeanWebSocket.OpPong);
                    Flush();
                    break;
                case LeanWebSocket.OpClose:
                    return -1;
                default:
                    break;
            }
        }

        return start;
    }

    private void Enqueue(ReadOnlySpan<byte> payload, byte opcode)
    {
        lock (_sendLock)
        {
            var need = _pendingLength + LeanWebSocket.FrameSize(payload.Length);
            if (need > _pending.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(need * 2);
                _pending.AsSpan(0, _pendingLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_pending);
                _pending = bigger;
            }

            _pendingLength += LeanWebSocket.WriteFrame(_pending.AsSpan(_pendingLength), opcode, payload, NextMask());
        }
    }

    /// <summary>One Engine.IO packet (v4): type digit, then data.</summary>
    private bool HandleEngineIO(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return true;
        }

        switch (packet[0])
        {
            case (byte)'4':
                return HandleSocketIO(packet[1..]);
            case (byte)'2':
                // Engine.IO ping from the server: answer with pong (same data, e.g. none).
                Span<byte> pong = stackalloc byte[Math.Min(packet.Length, 64)];
                packet[..pong.Length].CopyTo(pong);
                pong[0] = (byte)'3';
                Enqueue(pong);
                Flush();
                Interlocked.Increment(ref s_pingsAnswered);
                return true;
            case (byte)'0':
                // Open: join the default namespace, with auth when joining through connect auth.
                SendConnect();
                return true;
            case (byte)'1':
                return false;
            default:
                return true;
        }
    }

    private void SendConnect()
    {
        if (_mode == HandshakeMode.Auth && _auth is not null)
        {
            var buffer = new byte[2 + _auth.Length];
            buffer[0] = (byte)'4';
            buffer[1] = (byte)'0';
            _auth.CopyTo(buffer, 2);
            Enqueue(buffer);
        }
        else
        {
            Enqueue("40"u8);
        }

        Flush();
    }

    /// <summary>One Socket.IO packet (v5) in the default namespace.</summary>
    private bool HandleSocketIO(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return false;
        }

        var type = packet[0];
        var rest = packet[1..];
        switch (type)
        {
            case (byte)'2':
            {
                // EVENT: [ackId]["name",...]
                var i = 0;
                while (i < rest.Length && rest[i] != (byte)'[')
                {
                    i++;
                }

                var array = rest[i..];
                if (array.Length < 4 || array[1] != (byte)'"')
                {
                    return true;
                }

                var nameEnd = array[2..].IndexOf((byte)'"');
                if (nameEnd < 0)
                {
                    return true;
                }

                var name = array.Slice(2, nameEnd);
                if (_joined.Task.IsCompleted || !name.SequenceEqual("handshake_response"u8))
                {
                    _handler.OnEvent(this, name, array);
                }
                else
                {
                    CompleteJoin(array);
                }

                return true;
            }

            case (byte)'3':
            {
                // ACK: ackId[...]
                var i = 0;
                while (i < rest.Length && rest[i] != (byte)'[')
                {
                    i++;
                }

                if (!Utf8Parser.TryParse(rest[..i], out int ackId, out _))
                {
                    return true;
                }

                var payload = rest[i..];
                TaskCompletionSource<byte[]>? awaited = null;
                if (_awaitedAcks is not null)
                {
                    lock (_sendLock)
                    {
                        _awaitedAcks.Remove(ackId, out awaited);
                    }
                }

                if (awaited is not null)
                {
                    awaited.TrySetResult(payload.ToArray());
                }
                else if (_joined.Task.IsCompleted)
                {
                    _handler.OnAck(this, ackId, payload);
                }

                return true;
            }

            case (byte)'0':
                if (_mode == HandshakeMode.Event && _auth is not null)
                {
                    _ = HandshakeByEventAsync();
                }

                return true;
            case (byte)'4':
            {
                // CONNECT_ERROR {"message":..,"data":{"code":..}}
                var error = JoinResult.FromConnectError(rest);
                _joined.TrySetResult(error);
                return false;
            }

            case (byte)'1':
                return false;
            default:
                return true;
        }
    }

    private async Task HandshakeByEventAsync()
    {
        try
        {
            var ack = await EmitWithAckAsync("handshake"u8, _auth);
            // The ack carries the same object as handshake_response (PROTOCOL §8.2); the event may come first.
            CompleteJoin(ack);
        }
        catch (IOException)
        {
        }
    }

    private void CompleteJoin(ReadOnlySpan<byte> array)
    {
        var result = JoinResult.FromResponseArray(array);
        if (result.Success)
        {
            ClientId = result.ClientId;
            SeatToken = result.SeatToken ?? SeatToken;
        }

        _joined.TrySetResult(result);
    }

    /// <summary>Finds <c>"ts":&lt;digits&gt;</c> in a packet by scanning bytes (no decoding).</summary>
    public static bool TryFindTimestamp(ReadOnlySpan<byte> packet, out long ticks)
    {
        var at = packet.IndexOf("\"ts\":"u8);
        if (at < 0)
        {
            ticks = 0;
            return false;
        }

        return Utf8Parser.TryParse(packet[(at + 5)..], out ticks, out _);
    }

    /// <summary>Reads the first element of an ack array (<c>[{"status":"ok",...}]</c>) for <c>"status":"ok"</c>.</summary>
    public static bool IsOkAck(ReadOnlySpan<byte> payload) => payload.IndexOf("\"status\":\"ok\""u8) >= 0;
}

/// <summary>The outcome of a join: handshake_response (or CONNECT_ERROR).</summary>
internal sealed class JoinResult
{
    /// <summary>Raw mode: the floor sender took the hello.</summary>
    public static JoinResult RawAccepted { get; } = new() { Success = true };

    public bool Success { get; private init; }

    public string? ErrorCode { get; private init; }

    public string? ErrorMessage { get; private init; }

    public string? ClientId { get; private init; }

    public string? SeatToken { get; private init; }

    public bool Reconnected { get; private init; }

    public static JoinResult FromResponseArray(ReadOnlySpan<byte> array)
    {
        try
        {
            using var doc = JsonDocument.Parse(array.ToArray());
            var root = doc.RootElement;
            var obj = root.ValueKind == JsonValueKind.Array ? root[root.GetArrayLength() - 1] : root;
            if (obj.ValueKind != JsonValueKind.Object)
            {
                return new JoinResult { ErrorCode = "BAD_RESPONSE", ErrorMessage = "handshake_response is not an object" };
            }

            if (obj.TryGetProperty("status", out var status) && status.ValueEquals("success"u8))
            {
                return new JoinResult
                {
                    Success = true,
                    ClientId = obj.TryGetProperty("clientId", out var id) ? id.GetString() : null,
                    SeatToken = obj.TryGetProperty("seatToken", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null,
                    Reconnected = obj.TryGetProperty("reconnected", out var r) && r.ValueKind == JsonValueKind.True,
                };
            }

            var error = obj.TryGetProperty("error", out var e) ? e : default;
            return new JoinResult
            {
                ErrorCode = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("code", out var c) ? c.GetString() : "UNKNOWN",
                ErrorMessage = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.GetString() : null,
            };
        }
        catch (JsonException ex)
        {
            return new JoinResult { ErrorCode = "BAD_RESPONSE", ErrorMessage = ex.Message };
        }
    }

    public static JoinResult FromConnectError(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            var code = root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object && d.TryGetProperty("code", out var c)
                ? c.GetString() : "CONNECT_ERROR";
            var message = root.TryGetProperty("message", out var m) ? m.GetString() : null;
            return new JoinResult { ErrorCode = code, ErrorMessage = message };
        }
        catch (JsonException)
        {
            return new JoinResult { ErrorCode = "CONNECT_ERROR", ErrorMessage = Encoding.UTF8.GetString(json) };
        }
    }

    public override string ToString() => Success ? $"success {ClientId}" : $"{ErrorCode}: {ErrorMessage}";
}
