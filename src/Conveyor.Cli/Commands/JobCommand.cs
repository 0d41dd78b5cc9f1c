using System.CommandLine;
using Conveyor.Server.Api;

namespace Conveyor.Cli.Commands;

/// <summary><c>conveyor job QUEUE ID</c>: everything about a job, every error with its stack.</summary>
internal static class JobCommand
{
    public static Command Create()
    {
        var queue = new Argument<string>("queue") { Description = "The queue." };
        var id = new Argument<string>("id") { Description = "The job id." };
        var command = new Command("job", "Show everything about a job: data, state, times, errors with stacks, result, log.") { queue, id };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await Store.ConnectAsync(r.GetValue(GlobalOptions.Redis));
            var q = await Queues.RequireAsync(client, r.GetValue(queue)!);
            var job = await q.GetAsync(r.GetValue(id)!) ?? throw CliError.NotFound($"Queue '{q.Name}' has no job '{r.GetValue(id)}'. It may have finished and expired.");
            if (r.GetValue(GlobalOptions.Json))
            {
                Output.Write(JobView.From(job), CliJson.Default.JobView);
                return ExitCodes.Ok;
            }

            Output.Fields(
            [
                ("id", job.Id), ("queue", job.Queue), ("name", job.Name), ("state", job.State.Name()), ("reason", job.Reason),
                ("attempts", $"{job.Attempts} used, at most {job.Options.Attempts?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "the worker's default"}"),
                ("stalls", job.Stalls.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("priority", job.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("created", Output.Time(job.CreatedAt)), ("started", job.StartedAt is null ? null : Output.Time(job.StartedAt)),
                ("finished", job.FinishedAt is null ? null : Output.Time(job.FinishedAt)), ("until", job.StateUntil is null ? null : Output.Time(job.StateUntil)),
                ("worker", job.Worker), ("cancel requested", job.CancelRequested ? "yes" : null),
                ("data", job.Data.GetRawText()), ("progress", job.Progress?.GetRawText()), ("result", job.Result?.GetRawText()),
            ]);
            foreach (var error in job.Errors)
            {
                Output.Heading($"attempt {error.Attempt} failed {Output.Time(error.At)}: {error.Type}: {error.Message}");
                if (error.Stack is not null)
                {
                    Output.Line(error.Stack);
                }
            }

            if (job.Log.Count > 0)
            {
                Output.Heading("log");
                foreach (var line in job.Log)
                {
                    Output.Line($"{Output.Time(line.At)}  {line.Text}");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
