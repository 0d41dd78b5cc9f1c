using Conveyor.Storage;

namespace Conveyor.Worker;

internal enum OutcomeKind
{
    /// <summary>Acknowledge success.</summary>
    Complete,

    /// <summary>Record a failed attempt: retry, dead or cancelled.</summary>
    Fail,

    /// <summary>Hand the job back to waiting without counting an attempt (shutdown).</summary>
    Release,

    /// <summary>Send nothing: the lease is gone, so any acknowledgement would be refused.</summary>
    Drop,
}

/// <summary>How one run of a job ended, waiting to be sent to Redis in the next batch.</summary>
internal readonly record struct Outcome(RunningJob Job, OutcomeKind Kind, Completion Completion = default, Failure Failure = default);
