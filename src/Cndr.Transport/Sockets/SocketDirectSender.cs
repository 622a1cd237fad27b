using System.Net.Sockets;
using System.Runtime.InteropServices;
using Pipelines.Sockets.Unofficial;

namespace Cndr.Transport.Sockets;

/// <summary>
/// The write fast path of a raw socket connection (Linux): one plain non-blocking <c>send()</c> from the
/// delivering thread, straight from the shared encoded frame. Used only while the connection's send pipe is
/// idle (every byte written into it already sent by the socket's send loop), so a direct send never overtakes
/// queued bytes; whatever the kernel does not take (EAGAIN, a short write) the caller writes into the pipe,
/// whose asynchronous send loop then carries on. Saves per delivery: the copy into the pipe, the flush, the
/// send loop's resumption and the socket engine's operation; the kernel's work is the same.
/// </summary>
internal sealed unsafe class SocketDirectSender
{
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private const int EAgain = 11;
    private const int EIntr = 4;

    private readonly Socket _socket;
    private readonly SocketConnection _connection;
    private readonly CountingPipeWriter _output;

    private SocketDirectSender(Socket socket, SocketConnection connection, CountingPipeWriter output)
    {
        _socket = socket;
        _connection = connection;
        _output = output;
    }

    /// <summary>Direct sends are on unless CNDR_DIRECT_SEND=0 (for A/B measurements).</summary>
    internal static bool Enabled { get; set; } = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("CNDR_DIRECT_SEND") != "0";

    /// <summary>The duplex pipe to hand out (its output counted) and the sender; no sender off Linux.</summary>
    public static (System.IO.Pipelines.IDuplexPipe Pipe, SocketDirectSender? Sender) Create(Socket socket, SocketConnection connection)
    {
        if (!Enabled)
        {
            return (connection, null);
        }

        var output = new CountingPipeWriter(connection.Output);
        return (new DuplexPipe(connection.Input, output), new SocketDirectSender(socket, connection, output));
    }

    /// <summary>True when the send pipe holds nothing unsent (call from the connection's single writer).</summary>
    public bool PipeIdle => _output.Written == _connection.BytesSent;

    /// <summary>Sends what the kernel takes now: bytes sent (0 when it would block), or -1 when the socket failed.</summary>
    public int Send(ReadOnlySpan<byte> data)
    {
        var handle = _socket.SafeHandle;
        var added = false;
        try
        {
            // Holds the descriptor open for the call: a concurrent Dispose cannot let it be reused meanwhile.
            handle.DangerousAddRef(ref added);
            nint n;
            fixed (byte* p = data)
            {
                do
                {
                    n = SendNative((int)handle.DangerousGetHandle(), p, data.Length, MsgDontWait | MsgNoSignal);
                }
                while (n < 0 && Marshal.GetLastPInvokeError() == EIntr);
            }

            if (n >= 0)
            {
                return (int)n;
            }

            return Marshal.GetLastPInvokeError() == EAgain ? 0 : -1;
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [DllImport("libc", EntryPoint = "send", SetLastError = true)]
    private static extern nint SendNative(int fd, byte* buffer, nint length, int flags);

    private sealed class DuplexPipe(System.IO.Pipelines.PipeReader input, System.IO.Pipelines.PipeWriter output) : System.IO.Pipelines.IDuplexPipe
    {
        public System.IO.Pipelines.PipeReader Input { get; } = input;

        public System.IO.Pipelines.PipeWriter Output { get; } = output;
    }
}
