using System.Runtime.InteropServices;

namespace Cndr.Transport.Sockets;

/// <summary>
/// A descriptor that is not a client connection (the store's Redis socket) watched by one of the transport's epoll loops:
/// <c>onReady</c> runs on the loop's thread when it becomes readable (edge-triggered: read until the socket is drained
/// or a receive comes back short), inside the loop's write batch, so what it writes leaves with the rest of that wake-up's
/// writes. Nothing runs after <see cref="Dispose"/> returns unless a call was already under way; the owner guards that.
/// </summary>
internal sealed class ReadinessWatch : IDisposable
{
    private readonly ReadinessLoop _loop;
    private readonly long _token;

    private ReadinessWatch(ReadinessLoop loop, long token)
    {
        _loop = loop;
        _token = token;
    }

    /// <summary>Starts watching <paramref name="handle"/>; null where no loop runs (CNDR_SOCKET_EPOLL=0, not Linux) or epoll refused it.</summary>
    public static ReadinessWatch? TryStart(SafeHandle handle, Action<bool> onReady)
    {
        if (!ReadinessLoop.Enabled || ReadinessLoop.Next() is not { } loop)
        {
            return null;
        }

        return loop.Register(handle, new Target(onReady), out var token) ? new ReadinessWatch(loop, token) : null;
    }

    /// <summary>The name of the loop's thread (where <c>onReady</c> runs).</summary>
    public string ThreadName => _loop.ThreadName;

    /// <summary>Stops telling (the descriptor leaves the epoll set when it is closed).</summary>
    public void Dispose() => _loop.Unregister(_token);

    private sealed class Target(Action<bool> onReady) : IReadinessTarget
    {
        public Action? Set(bool closing)
        {
            onReady(closing);
            return null;
        }
    }
}
