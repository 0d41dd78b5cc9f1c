using System.Globalization;

namespace Conveyor.Worker;

/// <summary>
/// Handler run times of one queue in this process, counted into fixed buckets. The heartbeat adds what was counted
/// since its last beat to the queue's shared histogram in Redis, so a server can export all workers' durations
/// without the hot path paying a Redis write per job.
/// </summary>
internal sealed class DurationHistogram
{
    /// <summary>Bucket upper bounds in milliseconds; a last, unbounded bucket follows.</summary>
    public static readonly double[] BoundsMs = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000];

    private readonly long[] _counts = new long[BoundsMs.Length + 1];
    private long _sumMicros;

    /// <summary>The hash field of each bucket, as stored in Redis: "le_5" … "le_300000", "le_inf".</summary>
    public static readonly string[] Fields = [.. BoundsMs.Select(b => "le_" + b.ToString(CultureInfo.InvariantCulture)), "le_inf"];

    public void Record(double ms)
    {
        int bucket = 0;
        while (bucket < BoundsMs.Length && ms > BoundsMs[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _counts[bucket]);
        Interlocked.Add(ref _sumMicros, (long)(ms * 1000));
    }

    /// <summary>Counts per bucket and the sum in microseconds since the last call, resetting them; null when nothing ran.</summary>
    public (long[] Counts, long SumMicros)? TakeDelta()
    {
        var counts = new long[_counts.Length];
        bool any = false;
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = Interlocked.Exchange(ref _counts[i], 0);
            any |= counts[i] > 0;
        }

        long sum = Interlocked.Exchange(ref _sumMicros, 0);
        return any ? (counts, sum) : null;
    }
}
