using System.Collections.Concurrent;
using System.Net;

namespace Cndr.Core.Relay;

/// <summary>
/// Failed handshakes per client IP (wrong host key, password or seat token, unknown room): a fixed window per
/// address; past the budget a handshake from that address is refused with <c>RATE_LIMITED</c> until the window
/// ends, so passwords cannot be guessed online nor room codes enumerated at speed.
/// </summary>
/// <remarks>
/// Only handshakes touch it (never a message). The table is capped: when full, a new address is not tracked
/// until <see cref="Sweep"/> (called by the relay's one shared sweep timer, no timer per address) removes the
/// expired windows. An address's first failure allocates its entry; checks allocate nothing.
/// </remarks>
internal sealed class FailedHandshakeThrottle(int limit, int windowMs, int maxAddresses)
{
    private readonly ConcurrentDictionary<IPAddress, Window> _windows = new();

    private sealed class Window(long startMs)
    {
        public long StartMs = startMs;
        public int Failures;
    }

    /// <summary>False when throttling is off (a limit of 0).</summary>
    public bool Enabled => limit > 0;

    /// <summary>Addresses tracked now.</summary>
    public int Count => _windows.Count;

    /// <summary>0 when a handshake from <paramref name="address"/> may proceed, else the milliseconds until it may.</summary>
    public long RetryAfterMs(IPAddress? address, long nowMs)
    {
        if (!Enabled || address is null || !_windows.TryGetValue(Normalize(address), out var w))
        {
            return 0;
        }

        lock (w)
        {
            var end = w.StartMs + windowMs;
            return w.Failures >= limit && nowMs < end ? end - nowMs : 0;
        }
    }

    /// <summary>Counts one failed handshake from <paramref name="address"/>.</summary>
    public void RecordFailure(IPAddress? address, long nowMs)
    {
        if (!Enabled || address is null)
        {
            return;
        }

        address = Normalize(address);
        if (!_windows.TryGetValue(address, out var w))
        {
            if (_windows.Count >= maxAddresses)
            {
                return;
            }

            w = _windows.GetOrAdd(address, static (_, now) => new Window(now), nowMs);
        }

        lock (w)
        {
            if (nowMs - w.StartMs >= windowMs)
            {
                w.StartMs = nowMs;
                w.Failures = 0;
            }

            w.Failures++;
        }
    }

    /// <summary>Drops every address whose window has ended.</summary>
    public void Sweep(long nowMs)
    {
        foreach (var (address, w) in _windows)
        {
            bool expired;
            lock (w)
            {
                expired = nowMs - w.StartMs >= windowMs;
            }

            if (expired)
            {
                _windows.TryRemove(new KeyValuePair<IPAddress, Window>(address, w));
            }
        }
    }

    // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d; count it as a.b.c.d.
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
