using Conveyor.Storage;
using Conveyor.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Conveyor;

/// <summary>Adds Conveyor to a .NET Generic Host.</summary>
public static class ConveyorServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ConveyorClient"/> (a singleton) and, once handlers are added, the worker as a hosted
    /// service. Uses a registered <see cref="IConnectionMultiplexer"/> if there is one, else connects to
    /// <see cref="ConveyorOptions.Redis"/>. Options are validated when the host starts.
    /// </summary>
    public static ConveyorBuilder AddConveyor(this IServiceCollection services, Action<ConveyorOptions>? configure = null)
    {
        var optionsBuilder = services.AddOptions<ConveyorOptions>();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConveyorOptions>, ConveyorOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ConveyorOptions>>().Value;
            var redis = sp.GetService<IConnectionMultiplexer>()
                ?? ConnectionMultiplexer.Connect(RedisConnection.Configure(options.Redis));
            return new ConveyorClient(redis, options);
        });

        var registry = new HandlerRegistry();
        services.AddSingleton(registry);
        services.AddSingleton<ConveyorWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ConveyorWorker>());
        return new ConveyorBuilder(services, registry);
    }
}
