using Conveyor.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conveyor;

/// <summary>Registers handlers after <see cref="ConveyorServiceCollectionExtensions.AddConveyor"/>.</summary>
public sealed class ConveyorBuilder
{
    internal ConveyorBuilder(IServiceCollection services, HandlerRegistry registry)
    {
        Services = services;
        Registry = registry;
    }

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    internal HandlerRegistry Registry { get; }

    /// <summary>
    /// Runs jobs of <paramref name="queue"/> with <typeparamref name="THandler"/> (an <see cref="IJobHandler{TData}"/>
    /// or <see cref="IJobHandler{TData,TResult}"/>), resolved in a new scope per job. Set
    /// <see cref="HandlerOptions.JobName"/> to take only jobs of that name.
    /// </summary>
    public ConveyorBuilder AddHandler<THandler>(string queue, Action<HandlerOptions>? configure = null) where THandler : class
    {
        Services.TryAddTransient<THandler>();
        Registry.Add(HandlerInvokers.ForClass<THandler>(QueueName.Validate(queue), Configure(configure)));
        return this;
    }

    /// <summary>Runs jobs of <paramref name="queue"/> with a delegate that returns nothing.</summary>
    public ConveyorBuilder AddHandler<TData>(string queue, Func<TData, JobContext, CancellationToken, Task> handler, Action<HandlerOptions>? configure = null)
    {
        Registry.Add(HandlerInvokers.ForDelegate(QueueName.Validate(queue), Configure(configure), handler));
        return this;
    }

    /// <summary>Runs jobs of <paramref name="queue"/> with a delegate whose result is stored with the job.</summary>
    public ConveyorBuilder AddHandler<TData, TResult>(string queue, Func<TData, JobContext, CancellationToken, Task<TResult>> handler, Action<HandlerOptions>? configure = null)
    {
        Registry.Add(HandlerInvokers.ForDelegate(QueueName.Validate(queue), Configure(configure), handler));
        return this;
    }

    private static HandlerOptions Configure(Action<HandlerOptions>? configure)
    {
        var options = new HandlerOptions();
        configure?.Invoke(options);
        if (options.Concurrency is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.Concurrency, "HandlerOptions.Concurrency must be between 1 and 10000.");
        }

        if (options.JobName is not null)
        {
            JobNames.Validate(options.JobName);
        }

        return options;
    }
}
