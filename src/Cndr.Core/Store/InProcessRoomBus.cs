namespace Cndr.Core.Store;

/// <summary>The in-process <see cref="IRoomBus"/> of one node (see <see cref="InProcessRoomBusHub"/>).</summary>
public sealed class InProcessRoomBus : IRoomBus
{
    private readonly InProcessRoomBusHub _hub;
    private IRoomBusListener? _listener;

    /// <summary>A single-node bus on a hub of its own.</summary>
    public InProcessRoomBus(string nodeId)
        : this(nodeId, new InProcessRoomBusHub())
    {
    }

    internal InProcessRoomBus(string nodeId, InProcessRoomBusHub hub)
    {
        NodeId = nodeId;
        _hub = hub;
    }

    /// <inheritdoc />
    public string NodeId { get; }

    /// <inheritdoc />
    public void Attach(IRoomBusListener listener) => _listener = listener;

    /// <inheritdoc />
    public Task Subscribe(RoomCode room)
    {
        _hub.Subscribe(room, this);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Unsubscribe(RoomCode room) => _hub.Unsubscribe(room, this);

    /// <inheritdoc />
    public void Publish(RoomCode room, in RoomBusMessage message) => _hub.Publish(room, message, this);

    /// <inheritdoc />
    public bool NeedsPublish(RoomCode room, int channelSubscribers) => true; // the hub's publication is a local call

    /// <inheritdoc />
    public bool HearsItself(RoomCode room) => false; // no store publishes on this bus

    internal void Deliver(RoomCode room, in RoomBusMessage message) => _listener?.OnBusMessage(room, message);

    /// <summary>Tells the listener that messages may have been lost (tests of the resync).</summary>
    internal void ReportGap() => _listener?.OnBusGap();
}
