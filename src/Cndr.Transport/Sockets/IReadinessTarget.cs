namespace Cndr.Transport.Sockets;

/// <summary>What a <see cref="ReadinessLoop"/> tells when a registered descriptor becomes ready (edge-triggered).</summary>
internal interface IReadinessTarget
{
    /// <summary>
    /// Called on the loop's thread: runs what is cheap enough there and returns null, or returns a continuation for the
    /// loop to hand to the thread pool (with the other deferred ones of its wake-up).
    /// </summary>
    Action? Set(bool closing);
}
