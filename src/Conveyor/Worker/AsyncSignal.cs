namespace Conveyor.Worker;

/// <summary>
/// An auto-reset event for one waiter: many Set calls before a wait count once. Whoever sets it has already
/// published its change, and the waiter resets before it looks, so no change is missed. A wait abandoned for
/// something else (<see cref="Next"/> raced against another task) stays pending and is picked up again, so no
/// Set is ever taken by a waiter nobody watches.
/// </summary>
internal sealed class AsyncSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);
    private Task? _pending;
    private int _set;

    public void Set()
    {
        if (Interlocked.Exchange(ref _set, 1) == 0)
        {
            _semaphore.Release();
        }
    }

    /// <summary>The wait in progress, or a new one. Call <see cref="TryReset"/> once it has completed.</summary>
    public Task Next() => _pending ??= _semaphore.WaitAsync();

    /// <summary>True, and ready for the next wait, when the signal was set; false when it was not.</summary>
    public bool TryReset()
    {
        if (_pending is not { IsCompleted: true })
        {
            return false;
        }

        _pending = null;
        Interlocked.Exchange(ref _set, 0);
        return true;
    }

    /// <summary>True when set, false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout)
    {
        await Next().WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return TryReset();
    }
}
