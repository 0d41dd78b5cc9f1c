namespace Conveyor.Storage;

/// <summary>
/// Turns concurrent single enqueues into one enqueue call (the script, or a MULTI when every id was generated). While
/// a call is in flight, new jobs wait for it and then go together in the next one: an isolated enqueue is sent at
/// once, as before, while a busy producer (an HTTP server taking webhooks, say) pays the call's fixed cost once per
/// batch instead of once per job.
/// </summary>
internal sealed class EnqueueCoalescer(QueueStore store)
{
    private const int MaxBatch = JobQueue.BulkChunk;

    // Large payloads go in smaller calls: one slow call would hold up (and, on a timeout, fail) every job in it.
    private const long MaxBatchBytes = 1024 * 1024;
    private readonly Lock _gate = new();
    private List<Waiter> _queued = [];
    private bool _sending;

    public Task<bool> EnqueueAsync(EnqueueItem item)
    {
        var waiter = new Waiter(item);
        bool send;
        lock (_gate)
        {
            _queued.Add(waiter);
            send = !_sending;
            _sending = true;
        }

        if (send)
        {
            _ = SendAsync();
        }

        return waiter.Added.Task;
    }

    private async Task SendAsync()
    {
        while (true)
        {
            List<Waiter> batch;
            lock (_gate)
            {
                if (_queued.Count == 0)
                {
                    _sending = false;
                    return;
                }

                int take = 0;
                long bytes = 0;
                while (take < _queued.Count && take < MaxBatch && (take == 0 || bytes + _queued[take].Item.Envelope.Length <= MaxBatchBytes))
                {
                    bytes += _queued[take].Item.Envelope.Length;
                    take++;
                }

                if (take == _queued.Count)
                {
                    batch = _queued;
                    _queued = [];
                }
                else
                {
                    batch = _queued.GetRange(0, take);
                    _queued.RemoveRange(0, take);
                }
            }

            try
            {
                bool[] added = await store.EnqueueAsync(batch.ConvertAll(w => w.Item)).ConfigureAwait(false);
                for (int i = 0; i < batch.Count; i++)
                {
                    batch[i].Added.TrySetResult(added[i]);
                }
            }
            catch (Exception e)
            {
                // Every caller of the batch sees the failure. A script is atomic, but a timeout cannot tell whether it ran:
                // a caller that retries should pass a job id, so a retry of an enqueue that did happen adds nothing.
                foreach (var waiter in batch)
                {
                    waiter.Added.TrySetException(e);
                }
            }
        }
    }

    private sealed class Waiter(EnqueueItem item)
    {
        public EnqueueItem Item { get; } = item;

        // Continuations run on the pool, not on this loop: a slow caller must not delay the next batch.
        public TaskCompletionSource<bool> Added { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
