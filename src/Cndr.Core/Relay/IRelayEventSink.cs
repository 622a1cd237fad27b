namespace Cndr.Core.Relay;

/// <summary>
/// Receives the room lifecycle events this node performed (room activated or closed, client joined or left, host
/// connected or disconnected, poll ended), each once, on the node where it happened. Called on the relay's path:
/// an implementation queues and returns at once (the Host's webhook sender); unset means no events are built.
/// </summary>
public interface IRelayEventSink
{
    void Publish(RelayLifecycleEvent e);
}
