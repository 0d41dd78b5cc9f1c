namespace Conveyor;

/// <summary>
/// How long, and how many, finished jobs of one state a queue keeps. A job is forgotten when it is older than
/// <see cref="Age"/> or when more than <see cref="Count"/> newer ones exist. Age or count 0 forgets at once.
/// </summary>
public sealed record Retention(TimeSpan Age, int Count)
{
    /// <summary>Forget the job as soon as it finishes.</summary>
    public static Retention None { get; } = new(TimeSpan.Zero, 0);

    /// <summary>Default for completed and cancelled jobs: 24 hours, at most 10 000.</summary>
    public static Retention DefaultCompleted { get; } = new(TimeSpan.FromHours(24), 10_000);

    /// <summary>Default for dead jobs: 7 days, at most 10 000.</summary>
    public static Retention DefaultDead { get; } = new(TimeSpan.FromDays(7), 10_000);

    internal string Encode() => $"{(long)Age.TotalMilliseconds}:{Count}";

    internal void Validate(string what)
    {
        if (Age < TimeSpan.Zero || Age > TimeSpan.FromDays(3650) || Count < 0)
        {
            throw new InvalidJobException(
                $"{what} must have an age between 0 and 3650 days and a count of 0 or more; it was {Age} and {Count}.");
        }
    }
}
