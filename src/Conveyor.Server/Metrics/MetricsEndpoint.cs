using System.Globalization;
using System.Text;
using Conveyor.Server.Api;
using Conveyor.Server.Security;

namespace Conveyor.Server.Metrics;

/// <summary>
/// <c>GET /metrics</c> in the Prometheus text format, read from Redis at scrape time, so every server reports the
/// whole system (all workers' jobs) and nothing is lost when a process restarts.
/// </summary>
internal static class MetricsEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/metrics", WriteAsync).AddEndpointFilter<RequireApiKey>().AddEndpointFilter<ProblemFilter>().ExcludeFromDescription();

    private static async Task WriteAsync(HttpContext context, ConveyorClient client)
    {
        var text = new PrometheusText();
        var names = await client.ListQueuesAsync().ConfigureAwait(false);
        var workers = await client.ListWorkersAsync().ConfigureAwait(false);
        var queues = await Task.WhenAll(names.Select(async n =>
        {
            var q = client.Queue(n);
            return (Name: n, Stats: await q.StatsAsync().ConfigureAwait(false), Counts: await q.CountsAsync().ConfigureAwait(false),
                Oldest: await q.OldestWaitingAsync().ConfigureAwait(false), Durations: await q.DurationsAsync().ConfigureAwait(false));
        })).ConfigureAwait(false);

        foreach (var (stat, help) in new[]
        {
            ("enqueued", "Jobs added to the queue."),
            ("completed", "Jobs that finished successfully."),
            ("failed", "Attempts that failed (then retried or dead)."),
            ("dead", "Jobs moved to the dead set."),
            ("cancelled", "Jobs cancelled."),
            ("stalled", "Jobs whose worker stopped renewing their lease, recovered."),
        })
        {
            text.Family($"conveyor_jobs_{stat}_total", "counter", help);
            foreach (var q in queues)
            {
                text.Sample($"conveyor_jobs_{stat}_total", q.Stats.GetValueOrDefault(stat), ("queue", q.Name));
            }
        }

        text.Family("conveyor_queue_jobs", "gauge", "Jobs in the queue now, by state.");
        foreach (var q in queues)
        {
            foreach (var state in JobStates.All)
            {
                text.Sample("conveyor_queue_jobs", q.Counts[state], ("queue", q.Name), ("state", state.Name()));
            }
        }

        text.Family("conveyor_queue_oldest_waiting_seconds", "gauge", "Age of the job that has waited longest to run (0 when none waits).");
        foreach (var q in queues)
        {
            text.Sample("conveyor_queue_oldest_waiting_seconds", Queues.AgeSeconds(q.Oldest) ?? 0, ("queue", q.Name));
        }

        text.Family("conveyor_queue_paused", "gauge", "1 when the queue is paused.");
        foreach (var q in queues)
        {
            text.Sample("conveyor_queue_paused", q.Counts.Paused ? 1 : 0, ("queue", q.Name));
        }

        text.Family("conveyor_queue_workers", "gauge", "Live worker processes serving the queue.");
        foreach (var q in queues)
        {
            text.Sample("conveyor_queue_workers", workers.Serving(q.Name), ("queue", q.Name));
        }

        text.Family("conveyor_job_duration_seconds", "histogram", "Handler run time, as reported by the workers' heartbeats.");
        foreach (var q in queues)
        {
            long cumulative = 0;
            foreach (var bucket in q.Durations.Buckets)
            {
                cumulative += bucket.Count;
                string le = bucket.UpperMs is { } ms ? (ms / 1000).ToString(CultureInfo.InvariantCulture) : "+Inf";
                text.Sample("conveyor_job_duration_seconds_bucket", cumulative, ("queue", q.Name), ("le", le));
            }

            text.Sample("conveyor_job_duration_seconds_sum", q.Durations.SumMs / 1000, ("queue", q.Name));
            text.Sample("conveyor_job_duration_seconds_count", q.Durations.Count, ("queue", q.Name));
        }

        text.Family("conveyor_workers", "gauge", "Live worker processes.");
        text.Sample("conveyor_workers", workers.Count);
        text.Family("conveyor_jobs_running", "gauge", "Jobs the live workers are running now.");
        text.Sample("conveyor_jobs_running", workers.Sum(w => w.CurrentJobs.Count));

        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await context.Response.WriteAsync(text.ToString(), context.RequestAborted).ConfigureAwait(false);
    }

    private sealed class PrometheusText
    {
        private readonly StringBuilder _text = new();

        public void Family(string name, string type, string help) =>
            _text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

        public void Sample(string name, double value, params (string Name, string Value)[] labels)
        {
            _text.Append(name);
            if (labels.Length > 0)
            {
                _text.Append('{');
                for (int i = 0; i < labels.Length; i++)
                {
                    _text.Append(i == 0 ? "" : ",").Append(labels[i].Name).Append("=\"")
                        .Append(labels[i].Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                        .Append('"');
                }

                _text.Append('}');
            }

            _text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        public override string ToString() => _text.ToString();
    }
}
