// Conveyor's HTTP server: job API, webhooks, health, metrics, live events and the dashboard.
// Store: Conveyor:Redis / CONVEYOR_REDIS / REDIS_URL, else the embedded store in ./.conveyor/data.
// Listens on http://127.0.0.1:5080 unless --urls says otherwise; beyond loopback it needs Conveyor:Server:ApiKeys.
using Conveyor.Server;

try
{
    await using var app = await ConveyorServerHost.BuildAsync(args);
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is InvalidOperationException or Conveyor.Embedded.EmbeddedStoreException or Conveyor.ConveyorException or Microsoft.Extensions.Options.OptionsValidationException)
{
    Console.Error.WriteLine($"conveyor server: {e.Message}");
    return 1;
}
