using System.CommandLine;
using System.Text.Json;
using Conveyor.Cli.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor worker QUEUE… (--exec "CMD ARGS" | --http URL)</c>: runs every job of the queues with any program, with
/// the library's worker runtime (leases, retries, timeouts, cancellation, graceful shutdown on SIGTERM).
/// </summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var queues = new Argument<string[]>("queue") { Description = "Queues to take jobs from.", Arity = ArgumentArity.OneOrMore };
        var exec = new Option<string?>("--exec") { Description = "Run this shell command per job: the job as JSON on stdin; exit 0 = success, a JSON last line of stdout = result." };
        var http = new Option<string?>("--http") { Description = "POST each job as JSON to this URL: 2xx = success with the body as result." };
        var concurrency = new Option<int>("--concurrency") { Description = "Jobs at once per queue.", DefaultValueFactory = _ => 10 };
        var timeout = new Option<string?>("--timeout") { Description = "Stop a job that runs longer (5m, 90s). Default: none." };
        var killAfter = new Option<string>("--kill-after") { Description = "--exec: after SIGTERM (cancel, timeout, shutdown), SIGKILL the job's processes this much later.", DefaultValueFactory = _ => "10s" };
        var burst = new Option<bool>("--burst") { Description = "Exit once the queues are empty." };
        var name = new Option<string?>("--name") { Description = "Worker name shown in 'conveyor workers' and the dashboard." };
        var command = new Command("worker", "Run jobs with any program (--exec) or web endpoint (--http).") { queues, exec, http, concurrency, timeout, killAfter, burst, name };
        command.SetAction(async (r, ct) =>
        {
            string? cmd = r.GetValue(exec), url = r.GetValue(http);
            if (cmd is null == url is null)
            {
                throw CliError.Usage("Say how to run jobs: --exec \"program args\" or --http URL (one of them).");
            }

            if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https")))
            {
                throw CliError.Usage($"--http must be an http:// or https:// URL; it was '{url}'.");
            }

            int n = r.GetValue(concurrency);
            if (n is < 1 or > 10_000)
            {
                throw CliError.Usage($"--concurrency must be from 1 to 10000; it was {n}.");
            }

            var jobTimeout = r.GetValue(timeout) is { } t ? Parse.Duration(t, "--timeout") : (TimeSpan?)null;
            var grace = Parse.Duration(r.GetValue(killAfter)!, "--kill-after");
            string redis = Store.Resolve(r.GetValue(GlobalOptions.Redis));
            string[] names = r.GetValue(queues)!.Select(QueueName.Validate).Distinct().ToArray();

            var builder = Host.CreateApplicationBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddHttpClient();
            builder.Services.AddSingleton(_ => new ExecJobRunner(cmd ?? "", grace)); // a factory, so the host disposes it
            var conveyor = builder.Services.AddConveyor(o =>
            {
                o.Redis = redis;
                o.WorkerName = r.GetValue(name);
            });
            foreach (string queue in names)
            {
                conveyor.AddHandler<JsonElement, JsonElement?>(queue, (data, job, token) => url is null
                        ? job.Services.GetRequiredService<ExecJobRunner>().RunAsync(data, job, token)
                        : HttpJobRunner.RunAsync(job.Services.GetRequiredService<IHttpClientFactory>(), url, data, job, token),
                    o =>
                    {
                        o.Concurrency = n;
                        o.Timeout = jobTimeout;
                    });
            }

            using var host = builder.Build();
            await host.StartAsync(CancellationToken.None);
            Console.Error.WriteLine($"conveyor worker: serving {string.Join(", ", names)} with {(cmd is null ? $"POST {url}" : $"'{cmd}'")}, {n} at a time per queue.");
            if (r.GetValue(burst))
            {
                await UntilEmptyAsync(host.Services.GetRequiredService<ConveyorClient>(), names, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
                await host.StopAsync(CancellationToken.None);
            }
            else
            {
                await host.WaitForShutdownAsync(CancellationToken.None);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>--burst: done when no job of the queues is waiting or running (delayed ones are left for later).</summary>
    private static async Task UntilEmptyAsync(ConveyorClient client, string[] queues, CancellationToken stopping)
    {
        int emptyChecks = 0;
        while (!stopping.IsCancellationRequested && emptyChecks < 2)
        {
            bool empty = true;
            foreach (string queue in queues)
            {
                var counts = await client.Queue(queue).CountsAsync();
                empty &= counts.Waiting == 0 && counts.Active == 0;
            }

            emptyChecks = empty ? emptyChecks + 1 : 0; // twice in a row: a job between fetch and lease is not missed
            try
            {
                await Task.Delay(200, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
