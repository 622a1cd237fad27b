using Cndr.Core.Relay;
using Cndr.Core.Store;
using Cndr.Core.Tests.Infrastructure;

namespace Cndr.Core.Tests;

/// <summary>
/// When the host's node may write an entry straight from the store's notification (<see cref="ToHostQueue.TryBeginNotifiedWrite"/>):
/// only the next entry this node has not written to its current host, only while no drain runs, never before a drain of
/// this host has read the queue (the numbers are unknown), and never after the host changed.
/// </summary>
public sealed class ToHostQueueTests
{
    [Fact]
    public void Only_the_next_unwritten_entry_of_the_current_host_is_written_from_its_notification()
    {
        RoomCode.TryParse("QUEUE1", out var code);
        var room = new LocalRoom(code);
        var host = Host(room, "host-1");
        var queue = room.ToHost;

        // No drain has read the queue for this host yet: the numbers are unknown.
        Assert.Null(queue.TryBeginNotifiedWrite(1));

        // A drain read entries 5 and 6 and wrote both: entry 6's notification (late) is only a drain request, entry 7's is written.
        Assert.True(queue.RequestDrain());
        queue.BeginPass();
        queue.Written(5, 2);
        Assert.False(queue.EndPass(DrainPass.Empty));
        Assert.Null(queue.TryBeginNotifiedWrite(6));
        Assert.Null(queue.TryBeginNotifiedWrite(8));
        Assert.Same(host, queue.TryBeginNotifiedWrite(7));

        // While that write runs (a drain), nothing else is written from a notification; a request keeps the drain going.
        Assert.Null(queue.TryBeginNotifiedWrite(7));
        Assert.False(queue.RequestDrain());
        queue.Written(7, 1);
        Assert.True(queue.EndPass(DrainPass.Empty));
        queue.BeginPass();
        Assert.False(queue.EndPass(DrainPass.Empty));
        Assert.Same(host, queue.TryBeginNotifiedWrite(8));
        queue.Written(8, 1);
        Assert.False(queue.EndPass(DrainPass.Empty));

        // A new host: unknown again until a drain of it has read the queue (entries may have gone to another node's host).
        Host(room, "host-2");
        Assert.Null(queue.TryBeginNotifiedWrite(9));

        // A store that does not number its entries leaves them unknown.
        Assert.True(queue.RequestDrain());
        queue.BeginPass();
        queue.Written(0, 3);
        Assert.False(queue.EndPass(DrainPass.Empty));
        Assert.Null(queue.TryBeginNotifiedWrite(3));
        Assert.Null(queue.TryBeginNotifiedWrite(1));
    }

    private static ClientSession Host(LocalRoom room, string id)
    {
        var session = new ClientSession(new FakeConnection(id, null!)) { Role = ClientRole.Host, Code = room.Code };
        room.AddMember(session);
        return session;
    }
}
