using System.Diagnostics;

namespace Conveyor.Worker;

/// <summary>
/// How many jobs one queue's pump holds at once: running plus fetched and waiting for a slot. With
/// <see cref="ConveyorOptions.Prefetch"/> set it is fixed at concurrency + prefetch. Otherwise the prefetch follows
/// the rate: what this process finished in the last <see cref="Window"/>, at least <c>min(concurrency, 100)</c>, and
/// at most <see cref="MaxHeld"/> jobs held in all (or that minimum, for a concurrency above 400). Short jobs then come in large batches — a round trip that
/// acknowledges and fetches one job costs Redis some 40 commands, one of a hundred jobs a handful each — while slow
/// jobs are not hoarded by one process when others could run them. Pump-only.
/// </summary>
internal sealed class PrefetchGauge
{
    public const int MaxHeld = 500;
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(20);
    private static readonly long WindowTicks = (long)(Window.TotalSeconds * Stopwatch.Frequency);
    private readonly int _concurrency;
    private readonly int? _fixedPrefetch;
    private readonly int _minPrefetch;
    private readonly int _maxFetch;
    private long _since = Stopwatch.GetTimestamp();
    private long _finished;
    private int _lowWindows;

    public PrefetchGauge(int concurrency, int? prefetch, int maxFetch)
    {
        _concurrency = concurrency;
        _fixedPrefetch = prefetch;
        _minPrefetch = Math.Min(concurrency, 100);
        _maxFetch = maxFetch;
        Capacity = Math.Min(maxFetch, concurrency + (prefetch ?? _minPrefetch));
    }

    public int Capacity { get; private set; }

    /// <summary>The rate has been at or under the minimum prefetch for two windows running (slow jobs, or none; one
    /// long window after a pause of the process does not count). Never when the prefetch is fixed.</summary>
    public bool AtMinimum => _lowWindows >= 2;

    /// <summary>Counts jobs whose outcome the pump just collected, and once a window has passed, sets the capacity.</summary>
    public void Finished(int jobs)
    {
        if (_fixedPrefetch is not null)
        {
            return;
        }

        _finished += jobs;
        long now = Stopwatch.GetTimestamp();
        long elapsed = now - _since;
        if (elapsed < WindowTicks)
        {
            return;
        }

        // An idle spell lengthens the interval and lowers the rate: after a pause the gauge starts small again.
        long perWindow = _finished * WindowTicks / elapsed;
        _finished = 0;
        _since = now;
        Capacity = Math.Min(_maxFetch, _concurrency + (int)Math.Clamp(perWindow, _minPrefetch, Math.Max(_minPrefetch, MaxHeld - _concurrency)));
        _lowWindows = perWindow <= _minPrefetch ? _lowWindows + 1 : 0;
    }
}
