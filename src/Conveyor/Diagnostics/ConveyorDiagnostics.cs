using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Conveyor.Diagnostics;

/// <summary>
/// Conveyor's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named <c>Conveyor</c>. Add them to
/// OpenTelemetry with <c>.AddSource("Conveyor")</c> and <c>.AddMeter("Conveyor")</c>. Every instrument is tagged
/// with <c>queue</c>.
/// </summary>
public static class ConveyorDiagnostics
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Conveyor";

    internal static readonly ActivitySource Source = new(Name);
    internal static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> Enqueued = Meter.CreateCounter<long>("conveyor.jobs.enqueued", "{job}", "Jobs added to a queue.");
    internal static readonly Counter<long> Completed = Meter.CreateCounter<long>("conveyor.jobs.completed", "{job}", "Handler runs that succeeded (an acknowledgement Redis then refuses, for a lost lease, also counts in conveyor.acks.refused).");
    internal static readonly Counter<long> Failed = Meter.CreateCounter<long>("conveyor.jobs.failed", "{job}", "Attempts that failed (retried or dead).");
    internal static readonly Counter<long> Dead = Meter.CreateCounter<long>("conveyor.jobs.dead", "{job}", "Jobs moved to dead by this process.");
    internal static readonly Counter<long> Refused = Meter.CreateCounter<long>("conveyor.acks.refused", "{job}", "Acknowledgements refused because the lease was lost.");
    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("conveyor.job.duration", "ms", "Handler run time.");
    internal static readonly UpDownCounter<long> Running = Meter.CreateUpDownCounter<long>("conveyor.jobs.running", "{job}", "Handlers running now.");

    internal static KeyValuePair<string, object?> Queue(string queue) => new("queue", queue);
}
