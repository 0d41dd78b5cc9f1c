using Microsoft.Extensions.Logging;

namespace Conveyor.Diagnostics;

/// <summary>Conveyor's log messages, source-generated, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Worker {Worker} started on queues {Queues}")]
    public static partial void WorkerStarted(ILogger logger, string worker, string queues);

    [LoggerMessage(2, LogLevel.Information, "Worker {Worker} stopped; {Released} unfinished jobs handed back")]
    public static partial void WorkerStopped(ILogger logger, string worker, long released);

    [LoggerMessage(3, LogLevel.Warning, "Job {JobId} in {Queue} failed attempt {Attempt}; {Outcome}")]
    public static partial void JobFailed(ILogger logger, Exception error, string jobId, string queue, int attempt, string outcome);

    [LoggerMessage(4, LogLevel.Warning, "Acknowledgement of job {JobId} in {Queue} refused: this worker's lease was lost (it expired and the job was recovered, or the job was removed)")]
    public static partial void AckRefused(ILogger logger, string jobId, string queue);

    [LoggerMessage(5, LogLevel.Warning, "Lease of job {JobId} in {Queue} was lost while it ran; its handler is being cancelled")]
    public static partial void LeaseLost(ILogger logger, string jobId, string queue);

    [LoggerMessage(6, LogLevel.Warning, "Recovered {Recovered} jobs with expired leases in {Queue} ({Dead} went dead after too many stalls)")]
    public static partial void Recovered(ILogger logger, long recovered, long dead, string queue);

    [LoggerMessage(7, LogLevel.Error, "Redis call for queue {Queue} failed; retrying in {Delay}")]
    public static partial void StoreFailed(ILogger logger, Exception error, string queue, TimeSpan delay);

    [LoggerMessage(8, LogLevel.Warning, "Handler of job {JobId} in {Queue} ignored cancellation for {Grace}; abandoned")]
    public static partial void Abandoned(ILogger logger, string jobId, string queue, TimeSpan grace);

    [LoggerMessage(10, LogLevel.Error, "Background loop {Loop} failed; retrying in {Delay}")]
    public static partial void LoopFailed(ILogger logger, Exception error, string loop, TimeSpan delay);

    [LoggerMessage(11, LogLevel.Warning, "Lease holder {Holder} of {Queue} could not be retired at stop; it expires with the lease, and the next recovery reads the lease hash once")]
    public static partial void HolderNotRetired(ILogger logger, Exception error, string holder, string queue);
}
