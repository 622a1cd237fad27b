using System.Runtime.InteropServices;

namespace Cndr.Transport.Sockets;

/// <summary>
/// A connected socket the transport's epoll thread accepted, held as a bare descriptor: no <see cref="System.Net.Sockets.Socket"/>
/// object, whose construction reads the socket's type, protocol, flags and both addresses back from the kernel (ten system
/// calls per connection) and which the raw socket pipe does not need. Reference-counted like any <see cref="SafeHandle"/>
/// (a send holds a reference, so a concurrent dispose cannot let the number be reused meanwhile). The last release
/// closes it with a plain <c>close()</c>: the graceful close a disposed <see cref="System.Net.Sockets.Socket"/> makes (FIN,
/// or RST when unread data is left, as TCP does), not the abortive one (SO_LINGER 0) of a bare
/// <see cref="System.Net.Sockets.SafeSocketHandle"/> disposed without its Socket.
/// </summary>
internal sealed class AcceptedSocket : SafeHandle
{
    public AcceptedSocket(int fd)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle == new IntPtr(-1);

    /// <summary>The descriptor number (valid while a reference is held or the handle is open).</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Close((int)handle) == 0;

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
