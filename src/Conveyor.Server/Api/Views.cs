using System.Text.Json;

namespace Conveyor.Server.Api;

// The JSON shapes of the HTTP API. State names and count fields are the library's lowercase state names.

public sealed record EnqueueView(string Id, string Queue, string State, bool Duplicate,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] JobView? Job = null);

public sealed record CountsView(long Waiting, long Delayed, long Active, long Completed, long Dead, long Cancelled)
{
    public static CountsView From(QueueCounts c) => new(c.Waiting, c.Delayed, c.Active, c.Completed, c.Dead, c.Cancelled);
}

public sealed record QueueView(string Name, CountsView Counts, bool Paused, int Workers);

public sealed record QueueListView(IReadOnlyList<QueueView> Queues);

public sealed record MinuteView(DateTimeOffset Minute, long Processed, long Failed);

public sealed record QueueDetailView(string Name, CountsView Counts, bool Paused, int Workers,
    IReadOnlyDictionary<string, long> Stats, IReadOnlyList<MinuteView> Throughput);

public sealed record JobSummaryView(string Id, string Name, string State, DateTimeOffset CreatedAt, DateTimeOffset? StateUntil, JsonElement Data, JsonElement? Progress);

public sealed record JobListView(IReadOnlyList<JobSummaryView> Jobs, string? NextCursor)
{
    public static JobListView From(JobPage page) => new(
        page.Jobs.Select(j => new JobSummaryView(j.Id, j.Name, j.State.Name(), j.CreatedAt, j.StateUntil, j.Data, j.Progress)).ToList(), page.NextCursor);
}

public sealed record BackoffView(string Type, long? DelayMs, long? MaxMs, double? Jitter, string? Name);

public sealed record OptionsView(int? Attempts, BackoffView? Backoff, long? TimeoutMs, int Priority, long? DelayMs, DateTimeOffset? RunAt, int? MaxStalls);

public sealed record ErrorView(int Attempt, DateTimeOffset At, string Type, string Message, string? Stack);

public sealed record LogView(DateTimeOffset At, string Text);

public sealed record JobView(string Id, string Queue, string Name, string State, JsonElement Data, OptionsView Options,
    int Attempts, int Stalls, int Priority, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    DateTimeOffset? StateUntil, string? Worker, string? Reason, bool CancelRequested, JsonElement? Progress, JsonElement? Result,
    IReadOnlyList<ErrorView> Errors, IReadOnlyList<LogView> Log, string? TraceParent)
{
    public static JobView From(JobInfo j)
    {
        var o = j.Options;
        var backoff = o.Backoff is { } b
            ? new BackoffView(b.Kind.ToString().ToLowerInvariant(), Ms(b.Delay), b.Kind == BackoffKind.Exponential ? Ms(b.Max) : null,
                b.Kind == BackoffKind.Exponential ? b.Jitter : null, b.Name)
            : null;
        var options = new OptionsView(o.Attempts, backoff, Ms(o.Timeout), o.Priority, Ms(o.Delay), o.RunAt, o.MaxStalls);
        return new JobView(j.Id, j.Queue, j.Name, j.State.Name(), j.Data, options, j.Attempts, j.Stalls, j.Priority, j.CreatedAt,
            j.StartedAt, j.FinishedAt, j.StateUntil, j.Worker, j.Reason, j.CancelRequested, j.Progress, j.Result,
            j.Errors.Select(e => new ErrorView(e.Attempt, e.At, e.Type, e.Message, e.Stack)).ToList(),
            j.Log.Select(l => new LogView(l.At, l.Text)).ToList(), j.TraceParent);
    }

    private static long? Ms(TimeSpan? t) => t is { } v ? (long)v.TotalMilliseconds : null;
}

public sealed record RetryView(string Id, string State);

public sealed record CancelView(string Id, string Outcome);

public sealed record PauseView(string Name, bool Paused);

public sealed record RetriedView(long Retried);

public sealed record RemovedView(long Removed);

public sealed record WorkerJobView(string Queue, string Id);

public sealed record WorkerView(string Id, string Host, int Pid, IReadOnlyDictionary<string, int> Queues, DateTimeOffset StartedAt,
    DateTimeOffset LastHeartbeat, long Processed, long Failed, IReadOnlyList<WorkerJobView> CurrentJobs)
{
    public static WorkerView From(WorkerInfo w) => new(w.Id, w.Host, w.Pid, w.Concurrency, w.StartedAt, w.LastHeartbeat, w.Processed, w.Failed,
        w.CurrentJobs.Select(j => new WorkerJobView(j.Queue, j.Id)).ToList());
}

public sealed record WorkerListView(IReadOnlyList<WorkerView> Workers);

public sealed record RedisView(string Version, long UsedMemoryBytes, string UsedMemoryHuman, double RoundTripMs);

public sealed record HookAcceptedView(string Id, string Queue, bool Duplicate);
