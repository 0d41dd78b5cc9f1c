using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Conveyor.Server.Api;

/// <summary>Enqueue, read and repair jobs: <c>/api/queues/{queue}/jobs…</c>.</summary>
internal static class JobEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var jobs = api.MapGroup("/queues/{queue}/jobs");
        jobs.MapPost("/", EnqueueAsync).WithSummary("Enqueue a job; an existing id answers 200 with that job and duplicate: true.");
        jobs.MapPost("/bulk", EnqueueBulkAsync).WithSummary("Enqueue an array of jobs; one result per job, in order.");
        jobs.MapGet("/", ListAsync).WithSummary("A page of jobs in one state (limit 1–500, default 50).");
        jobs.MapDelete("/", PurgeAsync).WithSummary("Remove every job in a finished state (completed, dead or cancelled).");
        jobs.MapGet("/{id}", GetAsync).WithSummary("Everything about a job.");
        jobs.MapPost("/{id}/retry", RetryAsync).WithSummary("Move a dead or cancelled job back to waiting.");
        jobs.MapPost("/{id}/cancel", CancelAsync).WithSummary("Cancel a waiting, delayed or running job.");
        jobs.MapDelete("/{id}", RemoveAsync).WithSummary("Remove a job in any state.");
    }

    private static async Task<Results<Created<EnqueueView>, Ok<EnqueueView>>> EnqueueAsync(
        string queue, HttpRequest request, ConveyorClient client, RequestBody body, CancellationToken ct)
    {
        var q = client.Queue(queue);
        using var json = await body.ReadJsonAsync(request, ct).ConfigureAwait(false);
        var job = EnqueueRequest.Parse(json.RootElement, "");
        var result = await q.EnqueueAsync(job.Name, job.Data, job.Options, ct).ConfigureAwait(false);
        if (!result.Duplicate)
        {
            return TypedResults.Created($"/api/queues/{q.Name}/jobs/{Uri.EscapeDataString(result.Id)}",
                new EnqueueView(result.Id, q.Name, job.Delayed ? "delayed" : "waiting", Duplicate: false));
        }

        var existing = result.Existing;
        return TypedResults.Ok(new EnqueueView(result.Id, q.Name, existing?.State.Name() ?? "removed", Duplicate: true,
            existing is null ? null : JobView.From(existing)));
    }

    private static async Task<Ok<List<EnqueueView>>> EnqueueBulkAsync(
        string queue, HttpRequest request, ConveyorClient client, RequestBody body, IOptions<ConveyorServerOptions> options, CancellationToken ct)
    {
        var q = client.Queue(queue);
        using var json = await body.ReadJsonAsync(request, ct).ConfigureAwait(false);
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw ApiProblem.BadRequest($"A bulk request is a JSON array of jobs, such as [{{\"name\":\"email.send\",\"data\":{{}}}}]; it was {EnqueueRequest.Describe(root)}.");
        }

        int max = options.Value.MaxBulkJobs;
        if (root.GetArrayLength() > max)
        {
            throw ApiProblem.BadRequest($"A bulk request holds at most {max} jobs (Conveyor:Server:MaxBulkJobs); it had {root.GetArrayLength()}. Split it.");
        }

        // Every job is checked before any is enqueued: a bad job in the middle rejects the request whole.
        var parsed = root.EnumerateArray().Select((j, i) => EnqueueRequest.Parse(j, $"[{i}]")).ToList();
        var results = await q.EnqueueManyAsync(parsed.Select(j => new NewJob<JsonElement>(j.Name, j.Data, j.Options)), ct).ConfigureAwait(false);
        // Duplicates report the existing job's state, read together rather than one round trip after another.
        var existing = await Task.WhenAll(results.Select(r => r.Duplicate ? q.GetAsync(r.Id) : Task.FromResult<JobInfo?>(null))).ConfigureAwait(false);
        var views = new List<EnqueueView>(results.Count);
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            string state = !r.Duplicate ? (parsed[i].Delayed ? "delayed" : "waiting") : existing[i]?.State.Name() ?? "removed";
            views.Add(new EnqueueView(r.Id, q.Name, state, r.Duplicate));
        }

        return TypedResults.Ok(views);
    }

    private static async Task<Ok<JobListView>> ListAsync(string queue, string? state, string? limit, string? cursor, ConveyorClient client)
    {
        var q = await Queues.RequireAsync(client, queue).ConfigureAwait(false);
        var jobState = ParseState(state ?? "waiting", JobStates.All);
        int count = 50;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 500))
        {
            throw ApiProblem.BadRequest($"'limit' must be an integer from 1 to 500; it was '{limit}'.");
        }

        var page = await q.ListAsync(jobState, cursor, count).ConfigureAwait(false);
        return TypedResults.Ok(JobListView.From(page));
    }

    private static async Task<Ok<JobView>> GetAsync(string queue, string id, ConveyorClient client)
    {
        var q = await Queues.RequireAsync(client, queue).ConfigureAwait(false);
        return TypedResults.Ok(JobView.From(await RequireJobAsync(q, id).ConfigureAwait(false)));
    }

    private static async Task<IResult> RetryAsync(string queue, string id, ConveyorClient client)
    {
        var q = await Queues.RequireAsync(client, queue).ConfigureAwait(false);
        id = Uri.UnescapeDataString(id);
        return await q.RetryAsync(id).ConfigureAwait(false) switch
        {
            RetryOutcome.Retried => TypedResults.Ok(new RetryView(id, "waiting")),
            RetryOutcome.NotRetryable => Problems.Conflict(
                $"Job '{id}' is {(await q.GetAsync(id).ConfigureAwait(false))?.State.Name() ?? "gone"}; only dead or cancelled jobs can be retried."),
            _ => Problems.NotFound(NoJob(q, id)),
        };
    }

    private static async Task<IResult> CancelAsync(string queue, string id, ConveyorClient client)
    {
        var q = await Queues.RequireAsync(client, queue).ConfigureAwait(false);
        id = Uri.UnescapeDataString(id);
        return await q.CancelAsync(id).ConfigureAwait(false) switch
        {
            CancelOutcome.Cancelled => TypedResults.Ok(new CancelView(id, "cancelled")),
            CancelOutcome.Requested => TypedResults.Ok(new CancelView(id, "requested")),
            CancelOutcome.AlreadyFinished => Problems.Conflict($"Job '{id}' has already finished; there is nothing to cancel."),
            _ => Problems.NotFound(NoJob(q, id)),
        };
    }

    private static async Task<IResult> RemoveAsync(string queue, string id, ConveyorClient client)
    {
        var q = await Queues.RequireAsync(client, queue).ConfigureAwait(false);
        id = Uri.UnescapeDataString(id);
        return await q.RemoveAsync(id).ConfigureAwait(false) ? TypedResults.NoContent() : Problems.NotFound(NoJob(q, id));
    }

    private static async Task<Ok<RemovedView>> PurgeAsync(string queue, string? state, ConveyorClient client, CancellationToken ct)
    {
        var q = await Queues.RequireAsync(client, queue).ConfigureAwait(false);
        if (state is null)
        {
            throw ApiProblem.BadRequest("Say which jobs to remove: ?state=completed, ?state=dead or ?state=cancelled.");
        }

        var jobState = ParseState(state, [JobState.Completed, JobState.Dead, JobState.Cancelled]);
        return TypedResults.Ok(new RemovedView(await q.PurgeAsync(jobState, ct: ct).ConfigureAwait(false)));
    }

    private static async Task<JobInfo> RequireJobAsync(JobQueue q, string id)
    {
        id = Uri.UnescapeDataString(id);
        return await q.GetAsync(id).ConfigureAwait(false) ?? throw ApiProblem.NotFound(NoJob(q, id));
    }

    private static string NoJob(JobQueue q, string id) =>
        $"Queue '{q.Name}' has no job '{id}'. It may never have existed, or it finished and its retention expired.";

    private static JobState ParseState(string name, IReadOnlyList<JobState> allowed) =>
        JobStates.TryParse(name, out var s) && allowed.Contains(s)
            ? s
            : throw ApiProblem.BadRequest($"'state' must be one of {string.Join(", ", allowed.Select(a => a.Name()))}; it was '{name}'.");
}
