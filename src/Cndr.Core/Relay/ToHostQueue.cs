namespace Cndr.Core.Relay;

/// <summary>
/// The to-host path of one local room: whether <c>message_to_host</c> may go straight to the local host or must go
/// through the store queue, and whether a drain of that queue is running. The only holder of that state; every
/// member takes the room's <see cref="LocalRoom.Gate"/> except <see cref="HostChanged"/>, which the room calls
/// while holding it.
/// </summary>
/// <remarks>
/// Order is kept by one rule: once anything may be queued (no local host, a new host, an enqueue in flight, a
/// drain running) messages are queued, and the direct path is reopened only by a drain that found the queue empty
/// with no enqueue in flight.
/// </remarks>
internal sealed class ToHostQueue(LocalRoom room)
{
    // Guarded by room.Gate.
    private bool _queueMode = true;
    private bool _draining;
    private bool _drainRequested;
    private int _pendingEnqueues;
    private long _nextSeq; // the store's number of the first entry this node has not written to the current host; 0: unknown

    /// <summary>The local host changed (set, removed, room closed): queue until a drain has emptied the store queue. Caller holds the Gate.</summary>
    public void HostChanged()
    {
        _queueMode = true;
        _nextSeq = 0;
    }

    /// <summary>
    /// The local host when a message may be sent to it directly; otherwise null and the caller must enqueue it in the
    /// store and then call <see cref="EnqueueEnded"/>.
    /// </summary>
    public ClientSession? DirectHostOrBeginEnqueue()
    {
        lock (room.Gate)
        {
            var host = room.Host;
            if (host is not null && !_queueMode)
            {
                return host;
            }

            _pendingEnqueues++;
            return null;
        }
    }

    /// <summary>
    /// A direct send found the host's connection closed: the message is enqueued instead (then
    /// <see cref="EnqueueEnded"/>), and so is everything after it until a drain has run.
    /// </summary>
    public void BeginEnqueueAfterFailedSend()
    {
        lock (room.Gate)
        {
            _queueMode = true;
            _pendingEnqueues++;
        }
    }

    /// <summary>The enqueue begun by <see cref="DirectHostOrBeginEnqueue"/> has finished (whatever its outcome).</summary>
    public void EnqueueEnded()
    {
        lock (room.Gate)
        {
            _pendingEnqueues--;
        }
    }

    /// <summary>Asks for a drain; true when the caller must start one (a local host, no drain running).</summary>
    public bool RequestDrain()
    {
        lock (room.Gate)
        {
            _drainRequested = true;
            if (_draining || room.Host is null || room.Dead)
            {
                return false;
            }

            _draining = true;
            return true;
        }
    }

    /// <summary>
    /// The store's notification carried entry <paramref name="seq"/> (pushed into an empty queue): when it is the next entry
    /// for this node's host and no drain is running, returns the host and starts a drain whose first pass is writing that
    /// entry (end it with <see cref="EndPass"/>); otherwise null (the caller asks for a drain as for any notification).
    /// </summary>
    /// <remarks>
    /// Why the entry is then the queue's oldest and unwritten: the queue was empty when it was pushed, so every entry numbered
    /// below it had left the queue; this node has written every entry below <see cref="_nextSeq"/> to the current host and
    /// none from it on (set only from what a drain of this host read and wrote); a notification that arrives after a drain
    /// already read and wrote its entry carries a number below <see cref="_nextSeq"/> and is only a drain request.
    /// </remarks>
    public ClientSession? TryBeginNotifiedWrite(long seq)
    {
        lock (room.Gate)
        {
            if (seq <= 0 || seq != _nextSeq || _draining || room.Host is null || room.Dead)
            {
                return null;
            }

            _draining = true;
            _drainRequested = false;
            return room.Host;
        }
    }

    /// <summary>Entries from <paramref name="firstSeq"/> (0 or less: unnumbered) on, <paramref name="count"/> of them, were written to the host.</summary>
    public void Written(long firstSeq, int count)
    {
        lock (room.Gate)
        {
            _nextSeq = firstSeq > 0 ? firstSeq + count : 0;
        }
    }

    /// <summary>A drain pass starts: requests made from now on call for another pass.</summary>
    public void BeginPass()
    {
        lock (room.Gate)
        {
            _drainRequested = false;
        }
    }

    /// <summary>
    /// A drain pass has ended; true when the drain goes on. When it stops after a pass that found the queue empty
    /// with nothing in flight, later messages go to the host directly (still in order).
    /// </summary>
    public bool EndPass(DrainPass pass)
    {
        lock (room.Gate)
        {
            if (room.Host is null || pass == DrainPass.HostGone)
            {
                // Entries not written stay queued for the next host.
                _draining = false;
                return false;
            }

            if (pass == DrainPass.More || _drainRequested)
            {
                return true;
            }

            _draining = false;
            if (_pendingEnqueues == 0)
            {
                _queueMode = false;
            }

            return false;
        }
    }

    /// <summary>The drain failed (store unavailable): it stops; the next request starts another.</summary>
    public void DrainFailed()
    {
        lock (room.Gate)
        {
            _draining = false;
        }
    }
}
