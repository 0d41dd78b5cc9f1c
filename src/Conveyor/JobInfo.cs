using System.Text.Json;

namespace Conveyor;

/// <summary>Everything stored about one job.</summary>
public sealed record JobInfo
{
    public required string Id { get; init; }
    public required string Queue { get; init; }
    public required string Name { get; init; }
    public required JsonElement Data { get; init; }
    public required JobState State { get; init; }

    /// <summary>The options the producer set (unset ones take the worker's defaults).</summary>
    public required EnqueueOptions Options { get; init; }

    /// <summary>Attempts that failed or stalled so far.</summary>
    public int Attempts { get; init; }
    public int Stalls { get; init; }
    public int Priority { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the current or last run started (active and finished jobs).</summary>
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Delayed: when it becomes due. Active: when its lease ends unless renewed. Finished: when retention forgets it.</summary>
    public DateTimeOffset? StateUntil { get; init; }

    /// <summary>The worker running it (active) or that finished it.</summary>
    public string? Worker { get; init; }

    /// <summary>Dead and cancelled jobs: why (<c>failed</c>, <c>stalled</c>, <c>no-handler</c>, <c>timeout</c>, <c>cancelled</c>…).</summary>
    public string? Reason { get; init; }
    public bool CancelRequested { get; init; }
    public JsonElement? Progress { get; init; }
    public JsonElement? Result { get; init; }
    public IReadOnlyList<JobError> Errors { get; init; } = [];
    public IReadOnlyList<JobLogLine> Log { get; init; } = [];
    public string? TraceParent { get; init; }
}

/// <summary>The error of one failed attempt.</summary>
public sealed record JobError(int Attempt, DateTimeOffset At, string Type, string Message, string? Stack);

/// <summary>One line a handler wrote to its job's log.</summary>
public sealed record JobLogLine(DateTimeOffset At, string Text);

/// <summary>How many jobs a queue holds in each state.</summary>
public sealed record QueueCounts(long Waiting, long Delayed, long Active, long Completed, long Dead, long Cancelled, bool Paused)
{
    /// <summary>The count of one state.</summary>
    public long this[JobState state] => state switch
    {
        JobState.Waiting => Waiting,
        JobState.Delayed => Delayed,
        JobState.Active => Active,
        JobState.Completed => Completed,
        JobState.Dead => Dead,
        _ => Cancelled,
    };
}

/// <summary>A page of jobs in one state, and the cursor of the next page (null at the end).</summary>
public sealed record JobPage(IReadOnlyList<JobSummary> Jobs, string? NextCursor);

/// <summary>A job as listed: id, name, state and the time that orders its list.</summary>
public sealed record JobSummary(string Id, string Name, JobState State, DateTimeOffset CreatedAt, DateTimeOffset? StateUntil, JsonElement Data)
{
    /// <summary>The last progress an active job reported; null for other states.</summary>
    public JsonElement? Progress { get; init; }
}
