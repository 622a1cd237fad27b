using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// One pending script call on a <see cref="RedisFastConnection"/>: a pooled <see cref="IValueTaskSource{TResult}"/> whose
/// continuation runs inline on the thread that completes it (the connection's reader thread), so the caller's code after
/// <c>await</c> continues there without a hop through the thread pool. Returned to the pool once its result was taken
/// (or at completion when nobody awaits it: fire-and-forget). In a burst of replies the connection completes all but the
/// last on the thread pool instead (<see cref="SucceedOnThreadPool"/>): the operation is its own work item.
/// </summary>
internal sealed class RedisFastOperation : IValueTaskSource<RedisResult>, IThreadPoolWorkItem
{
    private const int MaxPooled = 1024;
    private static readonly ConcurrentQueue<RedisFastOperation> s_pool = new();
    private static int s_pooled;

    private ManualResetValueTaskSourceCore<RedisResult> _core = new() { RunContinuationsAsynchronously = false };
    private RedisResult? _deferred;

    private RedisFastOperation()
    {
    }

    /// <summary>The script and its arguments, kept for the NOSCRIPT retry (EVAL with the text).</summary>
    public RedisScript Script { get; private set; } = null!;

    public RedisKey[] Keys { get; private set; } = [];

    public RedisValue[] Args { get; private set; } = [];

    /// <summary>Nobody awaits the reply: it is dropped (an error only counted).</summary>
    public bool FireAndForget { get; private set; }

    /// <summary>Already re-sent with the script text after NOSCRIPT.</summary>
    public bool SentAsText { get; set; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp when the command was queued (the reply timeout).</summary>
    public long QueuedAt { get; set; }

    public short Version => _core.Version;

    public static RedisFastOperation Rent(RedisScript script, RedisKey[] keys, RedisValue[] args, bool fireAndForget)
    {
        if (s_pool.TryDequeue(out var op))
        {
            Interlocked.Decrement(ref s_pooled);
        }
        else
        {
            op = new RedisFastOperation();
        }

        op.Script = script;
        op.Keys = keys;
        op.Args = args;
        op.FireAndForget = fireAndForget;
        op.SentAsText = false;
        return op;
    }

    public ValueTask<RedisResult> Task => new(this, _core.Version);

    /// <summary>Completes the call; an awaiting continuation runs on this thread before this returns.</summary>
    public void Succeed(RedisResult result)
    {
        if (FireAndForget)
        {
            Return();
            return;
        }

        _core.SetResult(result);
    }

    /// <summary>Completes the call from a thread-pool thread: the awaiting continuation runs there, not on this thread.</summary>
    public void SucceedOnThreadPool(RedisResult result)
    {
        if (FireAndForget)
        {
            Return();
            return;
        }

        _deferred = result;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        var result = _deferred!;
        _deferred = null;
        _core.SetResult(result);
    }

    public void Fail(Exception error)
    {
        if (FireAndForget)
        {
            Return();
            return;
        }

        _core.SetException(error);
    }

    public RedisResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Return();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Back to the pool without having been queued (nobody holds its task).</summary>
    public void Discard() => Return();

    private void Return()
    {
        Script = null!;
        Keys = [];
        Args = [];
        _core.Reset();
        if (Interlocked.Increment(ref s_pooled) <= MaxPooled)
        {
            s_pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }
    }
}
