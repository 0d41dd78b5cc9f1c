using Conveyor.Server.Api;
using Conveyor.Server.Dashboard;
using Conveyor.Server.Events;
using Conveyor.Server.Health;
using Conveyor.Server.Metrics;
using Conveyor.Server.Security;
using Conveyor.Server.Webhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conveyor.Server;

/// <summary>Adds Conveyor's HTTP endpoints to an ASP.NET Core application.</summary>
public static class ConveyorServerExtensions
{
    /// <summary>
    /// Registers what the endpoints need. Call <c>AddConveyor(...)</c> too (it provides the <see cref="ConveyorClient"/>).
    /// Options bind from the <c>Conveyor:Server</c> configuration section, then <paramref name="configure"/> runs.
    /// </summary>
    public static IServiceCollection AddConveyorServer(this IServiceCollection services, Action<ConveyorServerOptions>? configure = null)
    {
        var options = services.AddOptions<ConveyorServerOptions>().BindConfiguration(ConveyorServerOptions.Section);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => o.Hooks.All(h => h.Value.Queue.Length > 0 && h.Value.Secret.Length > 0),
                "Every hook under Conveyor:Server:Hooks needs a Queue and a Secret.")
            .Validate(o => o.MaxRequestBytes > 0 && o.MaxBulkJobs > 0, "Conveyor:Server:MaxRequestBytes and MaxBulkJobs must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ApiKeys>();
        services.TryAddSingleton<RequireApiKey>();
        services.TryAddSingleton<RequestBody>();
        services.TryAddSingleton<EventHub>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJson.Default));
        return services;
    }

    /// <summary>
    /// Maps the job API under <c>/api</c>, webhooks under <c>/hooks</c>, <c>/health</c>, <c>/metrics</c> and, unless
    /// turned off, the dashboard at <c>/</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapConveyor(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Conveyor").AddEndpointFilter<RequireApiKey>().AddEndpointFilter<ProblemFilter>();
        JobEndpoints.Map(api);
        QueueEndpoints.Map(api);
        WorkerEndpoints.Map(api);
        EventEndpoints.Map(api);
        HookEndpoints.Map(app);
        HealthEndpoints.Map(app);
        MetricsEndpoint.Map(app);
        if (app.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ConveyorServerOptions>>().Value.Dashboard)
        {
            DashboardEndpoints.Map(app);
        }

        return app;
    }
}
