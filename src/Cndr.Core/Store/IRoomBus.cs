namespace Cndr.Core.Store;

/// <summary>
/// A node's connection to the inter-node bus (Redis: pub/sub on <c>room:updates:&lt;code&gt;</c>).
/// The relay delivers every room update to its own local connections directly and publishes it here for the
/// other nodes; a node subscribes to a room while it has local connections in it.
/// </summary>
/// <remarks>
/// Implementations: the in-process bus (<c>InProcessRoomBus</c>; one node, or several nodes in one process for tests)
/// and the Redis bus (a later issue: one subscriber connection per node, messages handed to a bounded queue, never
/// processed on the Redis completion thread).
/// </remarks>
public interface IRoomBus
{
    /// <summary>This node's id (also written to <c>hostNodeId</c> / <c>connectedNodeId</c>).</summary>
    string NodeId { get; }

    /// <summary>Sets the node's listener (called once, by the relay, before any subscription).</summary>
    void Attach(IRoomBusListener listener);

    /// <summary>
    /// Starts receiving messages for <paramref name="room"/> (idempotent per room; the relay pairs it with <see cref="Unsubscribe"/>).
    /// The task completes once the subscription is in place (or its attempt failed; it is then retried on the
    /// reconnect, which reports a gap); it never faults. A joining node awaits it before reading the room's state, so an
    /// update published in between reaches it.
    /// </summary>
    Task Subscribe(RoomCode room);

    /// <summary>Stops receiving messages for <paramref name="room"/>.</summary>
    void Unsubscribe(RoomCode room);

    /// <summary>
    /// Sends <paramref name="message"/> to every other node subscribed to <paramref name="room"/> (never back to this node).
    /// Best effort and non-blocking: copies what it keeps, never throws for an unreachable bus (logs instead).
    /// </summary>
    void Publish(RoomCode room, in RoomBusMessage message);

    /// <summary>
    /// Whether a publication for <paramref name="room"/> can reach another node, given <paramref name="channelSubscribers"/>:
    /// the number of connections the store counted on the room's channel atomically with the write being published (-1:
    /// not counted). False only when every counted subscriber is certainly this node's own live subscription: a node that
    /// subscribes later reads the room's state after its SUBSCRIBE was acknowledged (<see cref="Subscribe"/>), so it sees
    /// that write anyway.
    /// </summary>
    bool NeedsPublish(RoomCode room, int channelSubscribers);

    /// <summary>
    /// True while this node's own subscription to <paramref name="room"/>'s channel is acknowledged and its connection has
    /// not failed since: one of the channel's subscribers is then certainly this node (a store that publishes inside its
    /// write, <see cref="IRelayStore.SetGameStateAsync"/>, counts it out).
    /// </summary>
    bool HearsItself(RoomCode room);
}
