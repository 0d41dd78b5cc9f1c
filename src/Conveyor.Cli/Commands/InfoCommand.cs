using System.CommandLine;
using Conveyor.Server.Api;
using Spectre.Console;

namespace Conveyor.Cli.Commands;

/// <summary><c>conveyor info [QUEUE] [--watch [--interval 1]]</c>: Redis, queues, workers, throughput in the last minute.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var queue = new Argument<string?>("queue") { Description = "Only this queue (with its lifetime stats).", Arity = ArgumentArity.ZeroOrOne };
        var watch = new Option<bool>("--watch") { Description = "Refresh in place until Ctrl-C." };
        var interval = new Option<double>("--interval") { Description = "Seconds between refreshes with --watch.", DefaultValueFactory = _ => 1 };
        var command = new Command("info", "Show Redis, each queue's counts, paused flag, workers and last minute's throughput.") { queue, watch, interval };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await Store.ConnectAsync(r.GetValue(GlobalOptions.Redis));
            string? only = r.GetValue(queue);
            if (only is not null)
            {
                only = (await Queues.RequireAsync(client, only)).Name;
            }

            bool json = r.GetValue(GlobalOptions.Json);
            if (!r.GetValue(watch))
            {
                Show(await ReadAsync(client, only), json);
                return ExitCodes.Ok;
            }

            var every = TimeSpan.FromSeconds(Math.Max(0.1, r.GetValue(interval)));
            while (!ct.IsCancellationRequested)
            {
                var info = await ReadAsync(client, only);
                if (Output.Terminal && !json)
                {
                    AnsiConsole.Clear();
                }

                Show(info, json);
                try
                {
                    await Task.Delay(every, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<InfoView> ReadAsync(ConveyorClient client, string? only)
    {
        var redis = await WorkerEndpoints.ReadRedisAsync(client.Redis);
        var names = only is null ? await client.ListQueuesAsync() : [only];
        var workers = await client.ListWorkersAsync();
        long minute = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 - 1;
        var queues = new List<QueueInfoView>();
        foreach (string name in names)
        {
            var q = client.Queue(name);
            var counts = await q.CountsAsync();
            var last = (await q.ThroughputAsync()).FirstOrDefault(m => m.Minute.ToUnixTimeSeconds() / 60 == minute);
            queues.Add(new QueueInfoView(name, CountsView.From(counts), counts.Paused, workers.Serving(name),
                last?.Processed ?? 0, last?.Failed ?? 0, only is null ? null : await q.StatsAsync()));
        }

        return new InfoView(redis, queues, workers.Count);
    }

    private static void Show(InfoView info, bool json)
    {
        if (json)
        {
            Output.Write(info, CliJson.Default.InfoView);
            return;
        }

        Output.Line($"Redis {info.Redis.Version}, {info.Redis.UsedMemoryHuman} used, ping {info.Redis.RoundTripMs:0.##} ms; {info.Workers} live worker(s)");
        Output.Table(["QUEUE", "WAITING", "DELAYED", "ACTIVE", "COMPLETED", "DEAD", "CANCELLED", "STATE", "WORKERS", "DONE/MIN", "FAILED/MIN"],
            info.Queues.Select(q => (IReadOnlyList<string>)
            [
                q.Name, N(q.Counts.Waiting), N(q.Counts.Delayed), N(q.Counts.Active), N(q.Counts.Completed), N(q.Counts.Dead), N(q.Counts.Cancelled),
                q.Paused ? "paused" : "running", N(q.Workers), N(q.ProcessedLastMinute), N(q.FailedLastMinute),
            ]));
        if (info.Queues.Count == 0)
        {
            Output.Line("No queues yet. Enqueue a job with: conveyor enqueue QUEUE NAME --data '{...}'");
        }

        foreach (var q in info.Queues.Where(q => q.Stats is not null))
        {
            Output.Fields(q.Stats!.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => (s.Key, (string?)N(s.Value))));
        }
    }

    private static string N(long n) => WorkersCommand.N(n);
}
