using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Worker;

/// <summary>
/// Runs one job's handler: resolves it from <paramref name="services"/> (class handlers), deserializes the data and
/// returns the result as JSON ("" for none). One instance serves every job, and a handler that finishes without
/// awaiting allocates no task: this runs for every job.
/// </summary>
internal delegate ValueTask<string> HandlerInvoker(IServiceProvider services, JsonSerializerOptions json, JobContext job, CancellationToken ct);

/// <summary>A handler as registered: which jobs it takes and how to run it.</summary>
internal sealed record HandlerDescriptor(string Queue, string? JobName, int Concurrency, TimeSpan? Timeout, bool Scoped, HandlerInvoker Invoke);

/// <summary>
/// Handlers by queue and job name. A job's handler is found by the name stored with the job — never by a type
/// name from the data — and a name nobody handles sends the job to dead with the list of names known here.
/// </summary>
internal sealed class HandlerRegistry
{
    private readonly List<HandlerDescriptor> _handlers = [];

    public void Add(HandlerDescriptor handler) => _handlers.Add(handler);

    public IReadOnlyList<QueueHandlers> Build()
    {
        var queues = new List<QueueHandlers>();
        foreach (var group in _handlers.GroupBy(h => h.Queue, StringComparer.Ordinal))
        {
            var concurrency = group.Select(h => h.Concurrency).Distinct().ToList();
            if (concurrency.Count > 1)
            {
                throw new InvalidOperationException(
                    $"Handlers of queue '{group.Key}' ask for different concurrency ({string.Join(", ", concurrency)}); set the same value on each.");
            }

            var duplicate = group.GroupBy(h => h.JobName ?? "*").FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw new InvalidOperationException(
                    $"Queue '{group.Key}' has {duplicate.Count()} handlers for job name '{duplicate.Key}'; register one per name.");
            }

            queues.Add(new QueueHandlers(group.Key, concurrency[0], group.ToList()));
        }

        return queues;
    }
}

/// <summary>The handlers of one queue.</summary>
internal sealed class QueueHandlers(string queue, int concurrency, IReadOnlyList<HandlerDescriptor> handlers)
{
    private readonly Dictionary<string, HandlerDescriptor> _byName =
        handlers.Where(h => h.JobName is not null).ToDictionary(h => h.JobName!, StringComparer.Ordinal);
    private readonly HandlerDescriptor? _fallback = handlers.FirstOrDefault(h => h.JobName is null);

    public string Queue => queue;
    public int Concurrency => concurrency;

    public HandlerDescriptor? Find(string jobName) => _byName.GetValueOrDefault(jobName) ?? _fallback;

    public string NoHandlerMessage(string jobName) =>
        $"No handler for job name '{jobName}' on queue '{queue}'. This worker handles: {string.Join(", ", _byName.Keys.Order(StringComparer.Ordinal))}" +
        (_fallback is null ? "" : " (and any other name)") + ". Register a handler for it with AddHandler(..., o => o.JobName = \"" + jobName + "\"), then retry the job.";
}

/// <summary>Builds invokers for the handler shapes Conveyor accepts.</summary>
internal static class HandlerInvokers
{
    public static HandlerDescriptor ForClass<THandler>(string queue, HandlerOptions o) where THandler : class
    {
        var contract = typeof(THandler).GetInterfaces().FirstOrDefault(i => i.IsGenericType &&
            (i.GetGenericTypeDefinition() == typeof(IJobHandler<,>) || i.GetGenericTypeDefinition() == typeof(IJobHandler<>)))
            ?? throw new InvalidOperationException($"{typeof(THandler).Name} must implement IJobHandler<TData> or IJobHandler<TData, TResult>.");
        var args = contract.GetGenericArguments();
        var method = args.Length == 1
            ? typeof(HandlerInvokers).GetMethod(nameof(Plain), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(typeof(THandler), args[0])
            : typeof(HandlerInvokers).GetMethod(nameof(WithResult), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(typeof(THandler), args[0], args[1]);
        var invoke = (HandlerInvoker)method.Invoke(null, null)!;
        return new HandlerDescriptor(queue, o.JobName, o.Concurrency, o.Timeout, Scoped: true, invoke);
    }

    public static HandlerDescriptor ForDelegate<TData, TResult>(string queue, HandlerOptions o, Func<TData, JobContext, CancellationToken, Task<TResult>> handler) =>
        new(queue, o.JobName, o.Concurrency, o.Timeout, Scoped: false, async (_, json, job, ct) =>
        {
            var result = await handler(Deserialize<TData>(job, json), job, ct).ConfigureAwait(false);
            return Serialize(result, json);
        });

    public static HandlerDescriptor ForDelegate<TData>(string queue, HandlerOptions o, Func<TData, JobContext, CancellationToken, Task> handler) =>
        new(queue, o.JobName, o.Concurrency, o.Timeout, Scoped: false, async (_, json, job, ct) =>
        {
            await handler(Deserialize<TData>(job, json), job, ct).ConfigureAwait(false);
            return "";
        });

    private static HandlerInvoker Plain<THandler, TData>() where THandler : IJobHandler<TData> =>
        static async (services, json, job, ct) =>
        {
            await services.GetRequiredService<THandler>().HandleAsync(Deserialize<TData>(job, json), job, ct).ConfigureAwait(false);
            return "";
        };

    private static HandlerInvoker WithResult<THandler, TData, TResult>() where THandler : IJobHandler<TData, TResult> =>
        static async (services, json, job, ct) =>
        {
            var result = await services.GetRequiredService<THandler>().HandleAsync(Deserialize<TData>(job, json), job, ct).ConfigureAwait(false);
            return Serialize(result, json);
        };

    private static TData Deserialize<TData>(JobContext job, JsonSerializerOptions json) =>
        JsonSerializer.Deserialize<TData>(job.Data.Span, json)!;

    private static string Serialize<TResult>(TResult result, JsonSerializerOptions json) =>
        result is null ? "" : JsonSerializer.Serialize(result, json);
}
