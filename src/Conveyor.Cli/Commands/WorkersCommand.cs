using System.CommandLine;
using Conveyor.Server.Api;

namespace Conveyor.Cli.Commands;

/// <summary><c>conveyor workers</c>: live worker processes.</summary>
internal static class WorkersCommand
{
    public static Command Create()
    {
        var command = new Command("workers", "List live worker processes: host, pid, queues, current jobs, counts, last heartbeat.");
        command.SetAction(async (r, ct) =>
        {
            await using var client = await Store.ConnectAsync(r.GetValue(GlobalOptions.Redis));
            var workers = await client.ListWorkersAsync();
            if (r.GetValue(GlobalOptions.Json))
            {
                Output.Write(new WorkerListView(workers.Select(WorkerView.From).ToList()), CliJson.Default.WorkerListView);
                return ExitCodes.Ok;
            }

            Output.Table(["ID", "HOST", "PID", "QUEUES", "RUNNING", "PROCESSED", "FAILED", "HEARTBEAT"],
                workers.Select(w => (IReadOnlyList<string>)
                [
                    w.Id, w.Host, N(w.Pid), string.Join(" ", w.Concurrency.Select(c => $"{c.Key}×{c.Value}")), N(w.CurrentJobs.Count),
                    N(w.Processed), N(w.Failed), $"{(DateTimeOffset.UtcNow - w.LastHeartbeat).TotalSeconds:0}s ago",
                ]));
            if (workers.Count == 0)
            {
                Output.Line("No live workers. Start one with: conveyor worker QUEUE --exec \"your-program\"");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string N(long n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
