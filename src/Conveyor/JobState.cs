namespace Conveyor;

/// <summary>Where a job is. A job is in exactly one state at any time.</summary>
public enum JobState
{
    /// <summary>Ready to run, in priority then arrival order.</summary>
    Waiting,

    /// <summary>Due later: enqueued with a delay, or scheduled for a retry after a failure.</summary>
    Delayed,

    /// <summary>Leased by a worker that is running it.</summary>
    Active,

    /// <summary>Finished successfully (kept for the queue's retention).</summary>
    Completed,

    /// <summary>Failed its last attempt, stalled too often, or had no handler (kept for the dead retention).</summary>
    Dead,

    /// <summary>Cancelled before or while it ran.</summary>
    Cancelled,
}

/// <summary>State names as stored and as shown by the API: lower case.</summary>
public static class JobStates
{
    /// <summary>Every state, in lifecycle order.</summary>
    public static IReadOnlyList<JobState> All { get; } = Enum.GetValues<JobState>();

    /// <summary>The state's lower-case name (<c>waiting</c>, <c>delayed</c>, …).</summary>
    public static string Name(this JobState state) => state switch
    {
        JobState.Waiting => "waiting",
        JobState.Delayed => "delayed",
        JobState.Active => "active",
        JobState.Completed => "completed",
        JobState.Dead => "dead",
        JobState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    /// <summary>Parses a lower-case state name; false for anything else.</summary>
    public static bool TryParse(string? name, out JobState state)
    {
        foreach (var s in All)
        {
            if (string.Equals(s.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                state = s;
                return true;
            }
        }

        state = default;
        return false;
    }
}
