using System.Diagnostics;
using System.Text.Json;
using Conveyor.Diagnostics;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Worker;

/// <summary>Runs one leased job through its handler and turns what happened into an <see cref="Outcome"/>.</summary>
internal sealed class JobRunner(QueueStore store, QueueHandlers handlers, ConveyorOptions options, IServiceProvider services, string worker,
    DurationHistogram durations, ILogger logger)
{
    private readonly KeyValuePair<string, object?> _queueTag = ConveyorDiagnostics.Queue(handlers.Queue);
    private readonly string _completedRetention = options.KeepCompleted.Encode();
    private readonly string _deadRetention = options.KeepDead.Encode();
    private readonly string _cancelledRetention = options.KeepCancelled.Encode();

    public async ValueTask<Outcome> RunAsync(RunningJob job)
    {
        Envelope envelope;
        try
        {
            envelope = Envelope.Read(job.Lease.Envelope);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return Dead(job, null, "bad-envelope", new InvalidJobException($"The job's stored envelope is not valid JSON ({e.Message}); it cannot run."));
        }

        var handler = handlers.Find(envelope.Name);
        if (handler is null)
        {
            return Dead(job, envelope.Options, "no-handler", new InvalidJobException(handlers.NoHandlerMessage(envelope.Name)));
        }

        int maxAttempts = envelope.Options?.Attempts ?? options.Attempts;
        var timeout = envelope.Options?.Timeout is { } ms ? TimeSpan.FromMilliseconds(ms) : handler.Timeout;
        if (timeout is { } bad && (bad <= TimeSpan.Zero || bad > TimeSpan.FromDays(7)))
        {
            return Dead(job, envelope.Options, "bad-options", new InvalidJobException($"The job's timeout {bad} is outside 0 to 7 days; it cannot run."));
        }

        using var timer = timeout is { } t
            ? options.Time.CreateTimer(static s => ((TimeoutState)s!).Fire(), new TimeoutState(job, options), t, Timeout.InfiniteTimeSpan)
            : null;
        using var activity = StartActivity(job, envelope);
        long started = Stopwatch.GetTimestamp();
        var scope = handler.Scoped ? services.CreateAsyncScope() : (AsyncServiceScope?)null;
        ConveyorDiagnostics.Running.Add(1, _queueTag);
        try
        {
            var context = new JobContext(store, options, job.Lease, envelope, maxAttempts, worker, scope?.ServiceProvider ?? services);
            var run = handler.Invoke(context.Services, options.Json, context, job.Cancellation);
            string result;
            if (run.IsCompleted)
            {
                result = run.Result; // throws the handler's exception, as an await would
            }
            else
            {
                var task = run.AsTask();
                if (await Task.WhenAny(task, job.Abandoned).ConfigureAwait(false) != task)
                {
                    // The handler ignored its token for the whole grace period: move on without it. Its task keeps
                    // running unobserved; whatever it does later cannot touch the job, whose lease we give up.
                    _ = task.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
                    Log.Abandoned(logger, job.Id, handlers.Queue, options.AbandonGrace);
                    return Stopped(job, envelope, maxAttempts, timeout, null);
                }

                result = await task.ConfigureAwait(false);
            }

            ConveyorDiagnostics.Completed.Add(1, _queueTag);
            var keep = envelope.Options?.KeepCompleted?.Encode() ?? _completedRetention;
            return new Outcome(job, OutcomeKind.Complete, Completion: new Completion(job.Id, job.Token, result, keep));
        }
        catch (Exception e) when (job.Reason != StopReason.None)
        {
            return Stopped(job, envelope, maxAttempts, timeout, e);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            return Failed(job, envelope, maxAttempts, e, "failed");
        }
        finally
        {
            ConveyorDiagnostics.Running.Add(-1, _queueTag);
            double elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            ConveyorDiagnostics.Duration.Record(elapsedMs, _queueTag);
            durations.Record(elapsedMs);
            if (scope is { } s)
            {
                await s.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private Outcome Stopped(RunningJob job, Envelope envelope, int maxAttempts, TimeSpan? timeout, Exception? error) => job.Reason switch
    {
        StopReason.Timeout => Failed(job, envelope, maxAttempts,
            new TimeoutException($"Job '{job.Id}' timed out after {timeout}: its handler was cancelled.", error), "timeout"),
        StopReason.Cancelled => new Outcome(job, OutcomeKind.Fail, Failure: new Failure(job.Id, job.Token, "", "cancel", "", _cancelledRetention)),
        StopReason.Shutdown => new Outcome(job, OutcomeKind.Release),
        _ => new Outcome(job, OutcomeKind.Drop),
    };

    private Outcome Failed(RunningJob job, Envelope envelope, int maxAttempts, Exception error, string deadReason)
    {
        int attempt = job.Lease.Attempts + 1;
        ConveyorDiagnostics.Failed.Add(1, _queueTag);
        if (attempt >= maxAttempts)
        {
            Log.JobFailed(logger, error, job.Id, handlers.Queue, attempt, $"dead after {attempt} of {maxAttempts} attempts");
            return Dead(job, envelope.Options, deadReason, error);
        }

        var delay = RetryDelay(envelope.Options, attempt, error);
        Log.JobFailed(logger, error, job.Id, handlers.Queue, attempt, $"retrying in {delay}");
        return new Outcome(job, OutcomeKind.Fail,
            Failure: new Failure(job.Id, job.Token, ErrorJson(job, error), "retry", ((long)delay.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), _cancelledRetention));
    }

    private Outcome Dead(RunningJob job, StoredOptions? jobOptions, string reason, Exception error)
    {
        ConveyorDiagnostics.Dead.Add(1, _queueTag);
        var keep = jobOptions?.KeepDead?.Encode() ?? _deadRetention;
        return new Outcome(job, OutcomeKind.Fail, Failure: new Failure(job.Id, job.Token, ErrorJson(job, error), "dead", reason, keep));
    }

    private TimeSpan RetryDelay(StoredOptions? jobOptions, int failedAttempts, Exception error)
    {
        Backoff backoff;
        try
        {
            backoff = jobOptions?.Backoff?.ToBackoff() ?? options.Backoff;
        }
        catch (InvalidJobException)
        {
            backoff = options.Backoff; // a stored backoff out of range (a foreign producer's): use the worker's
        }

        if (backoff.Kind == BackoffKind.Custom)
        {
            return options.Backoffs.TryGetValue(backoff.Name!, out var custom)
                ? custom(failedAttempts, error)
                : options.Backoff.DelayAfter(failedAttempts, Random.Shared.NextDouble);
        }

        return backoff.DelayAfter(failedAttempts, Random.Shared.NextDouble);
    }

    private string ErrorJson(RunningJob job, Exception error)
    {
        string? stack = error.ToString();
        if (stack.Length > 16_384)
        {
            stack = stack[..16_384];
        }

        var stored = new StoredError(job.Lease.Attempts + 1, options.Time.GetUtcNow().ToUnixTimeMilliseconds(),
            error.GetType().FullName ?? error.GetType().Name, error.Message, stack);
        return JsonSerializer.Serialize(stored, StorageJson.Default.StoredError);
    }

    private Activity? StartActivity(RunningJob job, Envelope envelope)
    {
        if (!ConveyorDiagnostics.Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(envelope.Trace, null, out var parent);
        var activity = ConveyorDiagnostics.Source.StartActivity($"process {handlers.Queue}", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "conveyor");
        activity?.SetTag("messaging.destination.name", handlers.Queue);
        activity?.SetTag("messaging.message.id", job.Id);
        activity?.SetTag("conveyor.job.name", envelope.Name);
        return activity;
    }

    private sealed class TimeoutState(RunningJob job, ConveyorOptions options)
    {
        public void Fire() => job.Stop(StopReason.Timeout, options.AbandonGrace, options.Time);
    }
}
