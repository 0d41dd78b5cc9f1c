namespace Conveyor;

/// <summary>How one handler is registered.</summary>
public sealed class HandlerOptions
{
    /// <summary>The job name this handler runs. Default: null, meaning every job of the queue that no other
    /// handler claims by name.</summary>
    public string? JobName { get; set; }

    /// <summary>Handlers of this queue running at once in this process (1–10 000). All handlers of one queue must
    /// agree. Default: 10.</summary>
    public int Concurrency { get; set; } = 10;

    /// <summary>Cancel the handler's token after this long unless the job sets its own timeout. Default: none.</summary>
    public TimeSpan? Timeout { get; set; }
}
