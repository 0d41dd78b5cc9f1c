using System.CommandLine;
using Conveyor.Server.Api;
using Spectre.Console;

namespace Conveyor.Cli.Commands;

/// <summary>retry, cancel, remove, purge, pause and resume: the commands that change a queue.</summary>
internal static class RepairCommands
{
    public static Command Retry()
    {
        var queue = new Argument<string>("queue") { Description = "The queue." };
        var ids = new Argument<string[]>("id") { Description = "Dead or cancelled jobs to run again.", Arity = ArgumentArity.ZeroOrMore };
        var allDead = new Option<bool>("--all-dead") { Description = "Retry every dead job of the queue." };
        var command = new Command("retry", "Move dead or cancelled jobs back to waiting.") { queue, ids, allDead };
        command.SetAction(async (r, ct) =>
        {
            string[] list = r.GetValue(ids) ?? [];
            if (list.Length == 0 == !r.GetValue(allDead))
            {
                throw CliError.Usage("Name the jobs to retry (conveyor retry QUEUE ID...) or pass --all-dead, not both.");
            }

            await using var client = await Store.ConnectAsync(r.GetValue(GlobalOptions.Redis));
            var q = await Queues.RequireAsync(client, r.GetValue(queue)!);
            if (r.GetValue(allDead))
            {
                long total = (await q.CountsAsync()).Dead;
                long retried = await WithProgressAsync($"Retrying {total} dead jobs", total, p => q.RetryAllDeadAsync(p, ct));
                return Report(r, q.Name, "retried", retried, null, $"{retried} dead jobs of '{q.Name}' are waiting again.");
            }

            var missing = new List<string>();
            var refused = new List<string>();
            foreach (string id in list)
            {
                switch (await q.RetryAsync(id))
                {
                    case RetryOutcome.NotFound: missing.Add(id); break;
                    case RetryOutcome.NotRetryable: refused.Add(id); break;
                }
            }

            int done = list.Length - missing.Count - refused.Count;
            Report(r, q.Name, "retried", done, list.Except(missing).Except(refused).ToList(), $"{done} of {list.Length} jobs are waiting again.");
            if (refused.Count > 0)
            {
                Console.Error.WriteLine($"conveyor: not dead or cancelled, so not retried: {string.Join(", ", refused)}.");
            }

            if (missing.Count > 0)
            {
                Console.Error.WriteLine($"conveyor: no such job in '{q.Name}': {string.Join(", ", missing)}.");
                return ExitCodes.NotFound;
            }

            return refused.Count > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    public static Command Cancel()
    {
        var (command, queue, id) = OneJob("cancel", "Cancel a waiting, delayed or running job (a running one is told to stop).");
        command.SetAction(async (r, ct) =>
        {
            await using var client = await Store.ConnectAsync(r.GetValue(GlobalOptions.Redis));
            var q = await Queues.RequireAsync(client, r.GetValue(queue)!);
            string jobId = r.GetValue(id)!;
            return await q.CancelAsync(jobId) switch
            {
                CancelOutcome.Cancelled => Report(r, q.Name, "cancelled", 1, [jobId], $"{jobId} cancelled."),
                CancelOutcome.Requested => Report(r, q.Name, "cancel-requested", 1, [jobId], $"{jobId} is running: its worker was told to stop it."),
                CancelOutcome.AlreadyFinished => throw new CliError(ExitCodes.Failed, $"{jobId} has already finished; there is nothing to cancel."),
                _ => throw CliError.NotFound($"Queue '{q.Name}' has no job '{jobId}'."),
            };
        });
        return command;
    }

    public static Command Remove()
    {
        var (command, queue, id) = OneJob("remove", "Remove a job in any state, with everything stored about it.");
        command.SetAction(async (r, ct) =>
        {
            await using var client = await Store.ConnectAsync(r.GetValue(GlobalOptions.Redis));
            var q = await Queues.RequireAsync(client, r.GetValue(queue)!);
            string jobId = r.GetValue(id)!;
            return await q.RemoveAsync(jobId)
                ? Report(r, q.Name, "removed", 1, [jobId], $"{jobId} removed.")
                : throw CliError.NotFound($"Queue '{q.Name}' has no job '{jobId}'.");
        });
        return command;
    }

    public static Command Purge()
    {
        var queue = new Argument<string>("queue") { Description = "The queue." };
        var state = new Option<string>("--state") { Description = "completed, dead or cancelled.", Required = true };
        var command = new Command("purge", "Remove every job in a finished state.") { queue, state };
        command.SetAction(async (r, ct) =>
        {
            var jobState = Parse.State(r.GetValue(state)!, JobState.Completed, JobState.Dead, JobState.Cancelled);
            await using var client = await Store.ConnectAsync(r.GetValue(GlobalOptions.Redis));
            var q = await Queues.RequireAsync(client, r.GetValue(queue)!);
            long total = (await q.CountsAsync())[jobState];
            long removed = await WithProgressAsync($"Removing {total} {jobState.Name()} jobs", total, p => q.PurgeAsync(jobState, p, ct));
            return Report(r, q.Name, "purged", removed, null, $"{removed} {jobState.Name()} jobs removed from '{q.Name}'.");
        });
        return command;
    }

    public static Command Pause(bool paused)
    {
        var queue = new Argument<string>("queue") { Description = "The queue." };
        var command = new Command(paused ? "pause" : "resume", paused ? "Stop workers taking jobs from a queue." : "Let workers take jobs again.") { queue };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await Store.ConnectAsync(r.GetValue(GlobalOptions.Redis));
            var q = await Queues.RequireAsync(client, r.GetValue(queue)!);
            await (paused ? q.PauseAsync() : q.ResumeAsync());
            return Report(r, q.Name, paused ? "paused" : "resumed", 1, null, paused ? $"'{q.Name}' is paused." : $"'{q.Name}' is running.");
        });
        return command;
    }

    private static (Command Command, Argument<string> Queue, Argument<string> Id) OneJob(string name, string description)
    {
        var queue = new Argument<string>("queue") { Description = "The queue." };
        var id = new Argument<string>("id") { Description = "The job id." };
        return (new Command(name, description) { queue, id }, queue, id);
    }

    private static int Report(ParseResult r, string queue, string action, long count, IReadOnlyList<string>? ids, string text)
    {
        if (r.GetValue(GlobalOptions.Json))
        {
            Output.Write(new OutcomeView(queue, action, count, ids), CliJson.Default.OutcomeView);
        }
        else
        {
            Output.Line(text);
        }

        return ExitCodes.Ok;
    }

    /// <summary>Runs a batch operation with a progress bar on a terminal, quietly otherwise.</summary>
    private static async Task<long> WithProgressAsync(string label, long total, Func<IProgress<long>?, Task<long>> run)
    {
        if (!Output.Terminal || total == 0)
        {
            return await run(null);
        }

        long result = 0;
        await AnsiConsole.Progress().StartAsync(async context =>
        {
            var task = context.AddTask(Markup.Escape(label), maxValue: total);
            result = await run(new Progress<long>(done => task.Value = done));
            task.Value = total;
        });
        return result;
    }
}
