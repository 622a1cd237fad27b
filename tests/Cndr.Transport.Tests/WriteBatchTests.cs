using Cndr.Transport.Internal;

namespace Cndr.Transport.Tests;

/// <summary>A thread's batch defers registered flushes to its end: nested batches, order, and a failing writer.</summary>
public class WriteBatchTests
{
    private sealed class Writer(List<string> log, string name, bool fails = false) : IDeferredFlush
    {
        public void FlushDeferred()
        {
            log.Add(name);
            if (fails)
            {
                throw new InvalidOperationException("connection down");
            }
        }
    }

    [Fact]
    public void A_scope_from_Begin_is_a_batch_that_its_dispose_closes_even_when_the_work_throws()
    {
        var log = new List<string>();
        Action work = () =>
        {
            using (WriteBatch.Begin())
            {
                Assert.True(WriteBatch.IsOpen);
                WriteBatch.Defer(new Writer(log, "a"));
                throw new InvalidOperationException("work failed");
            }
        };
        Assert.Throws<InvalidOperationException>(work);
        Assert.Equal(["a"], log);
        Assert.False(WriteBatch.IsOpen);
    }

    [Fact]
    public void Deferred_flushes_run_when_the_outermost_batch_closes_in_order_and_a_failing_one_stops_none()
    {
        var log = new List<string>();
        Assert.False(WriteBatch.IsOpen);
        WriteBatch.Open();
        Assert.True(WriteBatch.IsOpen);
        WriteBatch.Defer(new Writer(log, "a", fails: true));
        WriteBatch.Open();
        WriteBatch.Defer(new Writer(log, "b"));
        WriteBatch.Close();
        Assert.Empty(log); // the inner close flushes nothing
        Assert.True(WriteBatch.IsOpen);
        WriteBatch.Close();
        Assert.Equal(["a", "b"], log);
        Assert.False(WriteBatch.IsOpen);

        // The next batch starts empty.
        WriteBatch.Open();
        WriteBatch.Close();
        Assert.Equal(2, log.Count);
    }

    [Fact]
    public void A_batch_belongs_to_its_thread_and_a_close_without_an_open_changes_nothing()
    {
        var openElsewhere = true;
        WriteBatch.Open();
        try
        {
            var other = new Thread(() => openElsewhere = WriteBatch.IsOpen);
            other.Start();
            other.Join();
        }
        finally
        {
            WriteBatch.Close();
        }

        Assert.False(openElsewhere);
        WriteBatch.Close();
        Assert.False(WriteBatch.IsOpen);
        WriteBatch.Open();
        Assert.True(WriteBatch.IsOpen);
        WriteBatch.Close();
        Assert.False(WriteBatch.IsOpen);
    }
}
