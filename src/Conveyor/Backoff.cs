namespace Conveyor;

/// <summary>How long a failed job waits before its next attempt.</summary>
public sealed record Backoff
{
    private Backoff(BackoffKind kind, TimeSpan delay, TimeSpan max, double jitter, string? name)
    {
        Kind = kind;
        Delay = delay;
        Max = max;
        Jitter = jitter;
        Name = name;
    }

    /// <summary>The default: exponential from 1 s, doubling, at most 1 h, with 20 % jitter.</summary>
    public static Backoff Default { get; } = Exponential(TimeSpan.FromSeconds(1));

    /// <summary>The kind of backoff.</summary>
    public BackoffKind Kind { get; }

    /// <summary>Fixed: the wait. Exponential: the first wait, doubled after each failure.</summary>
    public TimeSpan Delay { get; }

    /// <summary>Exponential: the longest wait.</summary>
    public TimeSpan Max { get; }

    /// <summary>Exponential: the fraction (0–1) by which each wait is randomly shortened, to spread retries.</summary>
    public double Jitter { get; }

    /// <summary>Custom: the name of a strategy registered on the worker with <c>AddBackoff</c>.</summary>
    public string? Name { get; }

    /// <summary>The same wait after every failure.</summary>
    public static Backoff Fixed(TimeSpan delay) => new(BackoffKind.Fixed, Check(delay), TimeSpan.Zero, 0, null);

    /// <summary><paramref name="first"/>, then doubled after each failure up to <paramref name="max"/> (default 1 h).</summary>
    public static Backoff Exponential(TimeSpan first, TimeSpan? max = null, double jitter = 0.2)
    {
        if (jitter is < 0 or > 1)
        {
            throw new InvalidJobException($"Backoff jitter must be between 0 and 1; it was {jitter}.");
        }

        return new(BackoffKind.Exponential, Check(first), Check(max ?? TimeSpan.FromHours(1)), jitter, null);
    }

    /// <summary>A strategy the worker registered under <paramref name="name"/> (a delegate of attempt and error).</summary>
    public static Backoff Custom(string name) =>
        new(BackoffKind.Custom, TimeSpan.Zero, TimeSpan.Zero, 0, string.IsNullOrWhiteSpace(name)
            ? throw new InvalidJobException("A custom backoff needs the name of a strategy registered on the worker.")
            : name);

    /// <summary>The wait before attempt <paramref name="failedAttempts"/> + 1, for the built-in kinds.</summary>
    internal TimeSpan DelayAfter(int failedAttempts, Func<double> random)
    {
        if (Kind == BackoffKind.Fixed)
        {
            return Delay;
        }

        double ms = Delay.TotalMilliseconds * Math.Pow(2, Math.Min(failedAttempts - 1, 40));
        ms = Math.Min(ms, Max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (1 - (Jitter * random())));
    }

    private static TimeSpan Check(TimeSpan t) => t >= TimeSpan.Zero && t <= TimeSpan.FromDays(365)
        ? t
        : throw new InvalidJobException($"A backoff delay must be between 0 and 365 days; it was {t}.");
}

/// <summary>Kinds of <see cref="Backoff"/>.</summary>
public enum BackoffKind
{
    /// <summary>The same delay every time.</summary>
    Fixed,

    /// <summary>Doubling delays with jitter.</summary>
    Exponential,

    /// <summary>A named strategy registered on the worker.</summary>
    Custom,
}
