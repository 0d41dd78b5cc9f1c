using System.Text.Json;
using Conveyor.Storage;

namespace Conveyor;

/// <summary>What a handler knows about the job it runs, and how it reports progress and log lines.</summary>
public sealed class JobContext
{
    private readonly QueueStore _store;
    private readonly ConveyorOptions _options;

    internal JobContext(QueueStore store, ConveyorOptions options, LeasedJob lease, Envelope envelope, int maxAttempts, string worker, IServiceProvider services)
    {
        _store = store;
        _options = options;
        Token = lease.Token;
        Id = lease.Id;
        Name = envelope.Name;
        Attempt = lease.Attempts + 1;
        MaxAttempts = maxAttempts;
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(envelope.Created);
        Data = envelope.Data;
        TraceParent = envelope.Trace;
        Worker = worker;
        Services = services;
    }

    public string Id { get; }
    public string Queue => _store.Keys.Queue;
    public string Name { get; }

    /// <summary>This attempt's number, from 1.</summary>
    public int Attempt { get; }
    public int MaxAttempts { get; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The job's data as raw JSON.</summary>
    public ReadOnlyMemory<byte> Data { get; }
    public string? TraceParent { get; }
    public string Worker { get; }

    /// <summary>The job's service scope (class handlers) or the root provider (delegate handlers).</summary>
    public IServiceProvider Services { get; }

    internal long Token { get; }

    /// <summary>Stores the job's progress (any JSON-serializable value, e.g. a percentage) and publishes it live.
    /// Returns false when this worker no longer holds the job (its lease was lost).</summary>
    public Task<bool> ReportProgressAsync<T>(T progress) =>
        _store.ProgressAsync(Id, Token, JsonSerializer.Serialize(progress, _options.Json));

    /// <summary>Appends a line to the job's log (the newest <see cref="ConveyorOptions.MaxLogLines"/> are kept).</summary>
    public Task<bool> LogAsync(string text) =>
        _store.LogAsync(Id, Token, JsonSerializer.Serialize(new StoredLogLine(_options.Time.GetUtcNow().ToUnixTimeMilliseconds(), text), StorageJson.Default.StoredLogLine), _options.MaxLogLines);
}
