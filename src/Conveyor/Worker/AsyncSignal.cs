namespace Conveyor.Worker;

/// <summary>
/// An auto-reset event for one waiter: many Set calls before a wait count once. Whoever sets it has already
/// published its change, and the waiter resets before it looks, so no change is missed.
/// </summary>
internal sealed class AsyncSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);
    private int _set;

    public void Set()
    {
        if (Interlocked.Exchange(ref _set, 1) == 0)
        {
            _semaphore.Release();
        }
    }

    /// <summary>True when set, false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        bool set = await _semaphore.WaitAsync(timeout, ct).ConfigureAwait(false);
        if (set)
        {
            Interlocked.Exchange(ref _set, 0);
        }

        return set;
    }
}
