using Conveyor.Embedded;
using Conveyor.Server.Security;
using OpenTelemetry.Trace;

namespace Conveyor.Server;

/// <summary>
/// Builds the standalone server: the store (Redis when configured, else the embedded store), the API, webhooks,
/// health, metrics, OpenAPI and the dashboard. <c>Program.cs</c> and the <c>conveyor</c> command both start it here.
/// </summary>
public static class ConveyorServerHost
{
    /// <summary>Where the server listens when no address is configured: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// The Redis to use: configuration <c>Conveyor:Redis</c>, else the environment variables <c>CONVEYOR_REDIS</c> then
    /// <c>REDIS_URL</c>; null means the embedded store.
    /// </summary>
    public static string? RedisFrom(IConfiguration configuration) => NonEmpty(configuration["Conveyor:Redis"]) ?? RedisFromEnvironment();

    /// <summary>The environment variables <c>CONVEYOR_REDIS</c>, then <c>REDIS_URL</c>; null when neither is set.</summary>
    public static string? RedisFromEnvironment() =>
        NonEmpty(Environment.GetEnvironmentVariable("CONVEYOR_REDIS")) ?? NonEmpty(Environment.GetEnvironmentVariable("REDIS_URL"));

    /// <summary>
    /// Builds the application. Refuses (throws) when it would listen beyond loopback without API keys. With no Redis
    /// configured, starts the embedded store (data in <c>Conveyor:Data</c>, default <c>.conveyor/data</c>; port
    /// <c>Conveyor:StorePort</c>, default a free one), which stops with the application.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning); // a line per request costs more than the request
        configure?.Invoke(builder);
        var config = builder.Configuration;
        var urls = ConfiguredUrls(config);
        if (urls.Count == 0)
        {
            builder.WebHost.UseUrls(DefaultUrl);
            urls = [DefaultUrl];
        }

        var keys = config.GetSection($"{ConveyorServerOptions.Section}:ApiKeys").Get<string[]>() ?? [];
        BindCheck.Verify(urls, keys.Any(k => !string.IsNullOrWhiteSpace(k)));

        string? redis = RedisFrom(config);
        if (redis is null)
        {
            var store = await EmbeddedStore.StartAsync(new EmbeddedStoreOptions
            {
                DataDirectory = config["Conveyor:Data"] ?? Path.Combine(".conveyor", "data"),
                Port = int.TryParse(config["Conveyor:StorePort"], out int port) ? port : 0,
            }).ConfigureAwait(false);
            builder.Services.AddSingleton(store);
            redis = store.Configuration;
        }

        builder.Services.AddConveyor(o => o.Redis = redis);
        builder.Services.AddConveyorServer();
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        if (!string.IsNullOrEmpty(config["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // A trace then runs from the HTTP request that enqueued a job through the worker that ran it.
            builder.Services.AddOpenTelemetry().WithTracing(t => t.AddSource(Diagnostics.ConveyorDiagnostics.Name).AddAspNetCoreInstrumentation().AddOtlpExporter());
        }

        var app = builder.Build();
        app.MapOpenApi();
        app.MapConveyor();
        return app;
    }

    /// <summary>Every address the configuration asks Kestrel to listen on (urls, http_ports, Kestrel:Endpoints).</summary>
    internal static List<string> ConfiguredUrls(IConfiguration config)
    {
        var urls = new List<string>();
        urls.AddRange(Split(config["urls"]));
        urls.AddRange(Split(config["http_ports"]).Select(p => $"http://*:{p}"));
        urls.AddRange(Split(config["https_ports"]).Select(p => $"https://*:{p}"));
        urls.AddRange(config.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        return urls;

        static IEnumerable<string> Split(string? text) => (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
