namespace Cndr.Transport.Tests;

/// <summary>
/// Runs a test's synchronous part on a thread of its own and waits for it: for what belongs to one thread (a write batch,
/// a send ring), which an async test's continuations could otherwise move between.
/// </summary>
internal static class OwnThread
{
    public static void Run(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the thread did not finish in 30 s");
        if (failure is not null)
        {
            throw new Xunit.Sdk.XunitException(failure.ToString());
        }
    }
}
