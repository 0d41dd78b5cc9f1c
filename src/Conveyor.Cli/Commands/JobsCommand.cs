using System.CommandLine;
using Conveyor.Server.Api;

namespace Conveyor.Cli.Commands;

/// <summary><c>conveyor jobs QUEUE [--state dead] [--limit 20]</c>.</summary>
internal static class JobsCommand
{
    public static Command Create()
    {
        var queue = new Argument<string>("queue") { Description = "The queue." };
        var state = new Option<string>("--state") { Description = "waiting, delayed, active, completed, dead or cancelled.", DefaultValueFactory = _ => "waiting" };
        var limit = new Option<int>("--limit") { Description = "How many (1-500).", DefaultValueFactory = _ => 20 };
        var command = new Command("jobs", "List a queue's jobs in one state.") { queue, state, limit };
        command.SetAction(async (r, ct) =>
        {
            var jobState = Parse.State(r.GetValue(state)!);
            await using var client = await Store.ConnectAsync(r.GetValue(GlobalOptions.Redis));
            var q = await Queues.RequireAsync(client, r.GetValue(queue)!);
            var page = await q.ListAsync(jobState, null, r.GetValue(limit));
            if (r.GetValue(GlobalOptions.Json))
            {
                Output.Write(JobListView.From(page), CliJson.Default.JobListView);
                return ExitCodes.Ok;
            }

            Output.Table(["ID", "NAME", "STATE", "CREATED", "UNTIL", "DATA"],
                page.Jobs.Select(j => (IReadOnlyList<string>)[j.Id, j.Name, j.State.Name(), Output.Time(j.CreatedAt), Output.Time(j.StateUntil), EnqueueRequest.Describe(j.Data)]));
            if (page.NextCursor is not null)
            {
                Output.Line($"(more: raise --limit, or see them all in the dashboard)");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
