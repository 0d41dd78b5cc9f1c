namespace Conveyor;

/// <summary>Options of one job. Every property is optional; unset ones take the worker's defaults.</summary>
public sealed record EnqueueOptions
{
    /// <summary>Lowest accepted <see cref="Priority"/>.</summary>
    public const int MinPriority = -1000;

    /// <summary>Highest accepted <see cref="Priority"/>.</summary>
    public const int MaxPriority = 1000;

    /// <summary>
    /// The job's id (letters, digits and <c>-_.:@/+=</c>, up to 200). A job with this id that already exists in the
    /// queue — in any state, until its retention ends — is returned instead, flagged as a duplicate. Default: a new
    /// time-sortable id.
    /// </summary>
    public string? Id { get; init; }

    /// <summary>Attempts in all, the first included (1–1000). Default: the worker's, 5.</summary>
    public int? Attempts { get; init; }

    /// <summary>Wait between attempts. Default: the worker's, exponential from 1 s with jitter, at most 1 h.</summary>
    public Backoff? Backoff { get; init; }

    /// <summary>Run no earlier than this long after enqueue (measured on the Redis server's clock).</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>Run no earlier than this time. Use <see cref="Delay"/> or this, not both.</summary>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>From -1000 to 1000, default 0. Higher runs first; equal priorities run in arrival order.</summary>
    public int Priority { get; init; }

    /// <summary>Cancel the handler's token after this long; the attempt then fails with a timeout. Default: the handler's.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>How this job is kept once completed. Default: the worker's, 24 h and at most 10 000.</summary>
    public Retention? KeepCompleted { get; init; }

    /// <summary>How this job is kept once dead. Default: the worker's, 7 days and at most 10 000.</summary>
    public Retention? KeepDead { get; init; }

    /// <summary>Lease expiries tolerated before the job goes dead with reason "stalled". Default: the worker's, 1.</summary>
    public int? MaxStalls { get; init; }

    internal void Validate()
    {
        if (Id is not null)
        {
            QueueName.ValidateJobId(Id);
        }

        if (Attempts is < 1 or > 1000)
        {
            throw new InvalidJobException($"Attempts must be between 1 and 1000; it was {Attempts}.");
        }

        if (Priority is < MinPriority or > MaxPriority)
        {
            throw new InvalidJobException($"Priority must be between {MinPriority} and {MaxPriority} (higher runs first); it was {Priority}.");
        }

        if (Delay is { } d && (d < TimeSpan.Zero || d > TimeSpan.FromDays(3650)))
        {
            throw new InvalidJobException($"Delay must be between 0 and 3650 days; it was {d}.");
        }

        if (Delay is not null && RunAt is not null)
        {
            throw new InvalidJobException("Set Delay or RunAt, not both.");
        }

        if (Timeout is { } t && (t <= TimeSpan.Zero || t > TimeSpan.FromDays(7)))
        {
            throw new InvalidJobException($"Timeout must be more than 0 and at most 7 days; it was {t}.");
        }

        if (MaxStalls is < 0 or > 1000)
        {
            throw new InvalidJobException($"MaxStalls must be between 0 and 1000; it was {MaxStalls}.");
        }

        KeepCompleted?.Validate(nameof(KeepCompleted));
        KeepDead?.Validate(nameof(KeepDead));
    }
}

/// <summary>One job of a bulk enqueue.</summary>
public sealed record NewJob<T>(string Name, T Data, EnqueueOptions? Options = null);

/// <summary>The outcome of an enqueue: the job's id, and whether a job with that id already existed.</summary>
public sealed record EnqueueResult(string Id, bool Duplicate)
{
    /// <summary>For a single enqueue of an existing id: that job as it is now (null if it finished and was forgotten meanwhile).</summary>
    public JobInfo? Existing { get; init; }
}
