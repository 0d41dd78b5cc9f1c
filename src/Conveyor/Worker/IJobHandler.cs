namespace Conveyor;

/// <summary>Runs jobs whose data is a <typeparamref name="TData"/>. Resolved from the container for each job.</summary>
public interface IJobHandler<in TData>
{
    /// <summary>Runs one job. Throw to fail the attempt; honour <paramref name="ct"/> (timeout, cancel, shutdown).</summary>
    Task HandleAsync(TData data, JobContext job, CancellationToken ct);
}

/// <summary>Runs jobs whose data is a <typeparamref name="TData"/> and returns a result, stored as JSON with the job.</summary>
public interface IJobHandler<in TData, TResult>
{
    /// <summary>Runs one job and returns its result. Throw to fail the attempt; honour <paramref name="ct"/>.</summary>
    Task<TResult> HandleAsync(TData data, JobContext job, CancellationToken ct);
}
