using System.CommandLine;
using Conveyor.Embedded;
using Conveyor.Server;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor up</c>: the store (embedded unless <c>--redis</c>), the HTTP server and the dashboard in one process.
/// It announces its store in the data directory so other <c>conveyor</c> commands here find it without <c>--redis</c>.
/// </summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data directory of the embedded store.", DefaultValueFactory = _ => Store.DefaultDataDirectory };
        var urls = new Option<string>("--urls") { Description = "Where the server listens.", DefaultValueFactory = _ => ConveyorServerHost.DefaultUrl };
        var storePort = new Option<int>("--store-port") { Description = "Loopback port of the embedded store (0: a free one).", DefaultValueFactory = _ => 0 };
        var command = new Command("up", "Run everything in one process: the store, the HTTP server and the dashboard. Ctrl-C stops it.") { data, urls, storePort };
        command.SetAction(async (r, ct) =>
        {
            string dataDir = Path.GetFullPath(r.GetValue(data)!);
            string listen = r.GetValue(urls)!;
            string? redis = Store.Configured(r.GetValue(GlobalOptions.Redis));
            Directory.CreateDirectory(dataDir);
            if (redis is null && Store.Running(dataDir) is { } other)
            {
                throw new CliError(ExitCodes.Failed, $"A 'conveyor up' is already running on {dataDir} (store redis://{other}). Stop it first, or pass --data for another directory.");
            }

            await using var embedded = redis is null
                ? await EmbeddedStore.StartAsync(new EmbeddedStoreOptions { DataDirectory = Path.Combine(dataDir, "data"), Port = r.GetValue(storePort) })
                : null;
            string store = redis ?? embedded!.Configuration;
            await using var app = await ServerCommand.BuildAsync(["--urls", listen, $"--Conveyor:Redis={store}"]);
            await app.StartAsync(ct);
            string url = app.Urls.First().TrimEnd('/');
            if (embedded is not null)
            {
                Store.Announce(dataDir, new StoreFile(store, Environment.ProcessId, url));
            }

            try
            {
                Output.Line("Conveyor is up.");
                Output.Line($"store: redis://{Server.Api.StoreAddress.Display(store)}{(embedded is null ? "" : $" (embedded, data in {embedded.DataDirectory})")}");
                Output.Line($"dashboard: {url}/");
                Output.Line($"api: {url}/api (OpenAPI: {url}/openapi/v1.json)");
                Output.Line($"health: {url}/health, metrics: {url}/metrics");
                Output.Line($"workers: conveyor worker QUEUE --exec \"your-program\" (run here, it finds this store through {dataDir})");
                Output.Line("Press Ctrl-C to stop.");
                await app.WaitForShutdownAsync(CancellationToken.None);
            }
            finally
            {
                if (embedded is not null)
                {
                    Store.Withdraw(dataDir);
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
