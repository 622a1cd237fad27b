using System.Net.Sockets;
using Cndr.Transport.Sockets;

namespace Cndr.Transport.Tests;

public class ReadableSignalTests
{
    // The awaiter's GetResult (what an await calls after resuming), not a blocking wait.
    private static SocketError Consume(ReadableSignal signal) => signal.GetResult();

    [Fact]
    public void ASetWithNobodyWaitingIsLatchedAndConsumedByTheNextWait()
    {
        var signal = new ReadableSignal();
        Assert.False(signal.IsCompleted);
        Assert.Null(signal.Set(closing: false));
        Assert.True(signal.IsCompleted);
        Assert.Equal(SocketError.Success, Consume(signal));
        Assert.False(signal.IsCompleted);
    }

    [Fact]
    public void AWaiterOfAConnectionNotYetEstablishedIsHandedBackForThePoolNotRun()
    {
        var signal = new ReadableSignal();
        var ran = 0;
        Action continuation = () => ran++;
        signal.UnsafeOnCompleted(continuation);
        Assert.Same(continuation, signal.Set(closing: false));
        Assert.Equal(0, ran);
    }

    [Fact]
    public void AnEstablishedWaiterRunsInlineExceptForThePeersClose()
    {
        var signal = new ReadableSignal { Inline = true };
        var ran = 0;
        Action continuation = () => ran++;
        signal.UnsafeOnCompleted(continuation);
        Assert.Null(signal.Set(closing: false));
        Assert.Equal(1, ran);

        Assert.Equal(SocketError.Success, Consume(signal));
        signal.UnsafeOnCompleted(continuation);
        Assert.Same(continuation, signal.Set(closing: true));
        Assert.Equal(1, ran);
    }

    [Fact]
    public void AWaitStartedAfterALatchedSetResumesAtOnce()
    {
        var signal = new ReadableSignal();
        signal.Set(closing: false);
        var ran = 0;
        signal.UnsafeOnCompleted(() => ran++);
        Assert.Equal(1, ran);
    }

    [Fact]
    public async Task AbortResumesAWaiterOnThePoolWithOperationAborted()
    {
        var signal = new ReadableSignal { Inline = true };
        var result = new TaskCompletionSource<SocketError>(TaskCreationOptions.RunContinuationsAsynchronously);
        signal.UnsafeOnCompleted(() => result.SetResult(Consume(signal)));
        signal.Abort();
        Assert.Equal(SocketError.OperationAborted, await result.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        // A wait after the abort sees it at once.
        Assert.True(signal.IsCompleted);
        Assert.Equal(SocketError.OperationAborted, Consume(signal));
    }
}
