using System.Text.Json;
using System.Text.Json.Serialization;
using Conveyor.Server.Api;

namespace Conveyor.Cli;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(StoreFile))]
[JsonSerializable(typeof(EnqueueView))]
[JsonSerializable(typeof(JobListView))]
[JsonSerializable(typeof(JobView))]
[JsonSerializable(typeof(WorkerListView))]
[JsonSerializable(typeof(InfoView))]
[JsonSerializable(typeof(OutcomeView))]
internal sealed partial class CliJson : JsonSerializerContext;

/// <summary><c>conveyor info --json</c>: the Redis server and every queue (or one).</summary>
internal sealed record InfoView(RedisView Redis, IReadOnlyList<QueueInfoView> Queues, int Workers);

internal sealed record QueueInfoView(string Name, CountsView Counts, bool Paused, int Workers, long ProcessedLastMinute, long FailedLastMinute,
    IReadOnlyDictionary<string, long>? Stats);

/// <summary>What a repair command did, for <c>--json</c>.</summary>
internal sealed record OutcomeView(string Queue, string Action, long Count, IReadOnlyList<string>? Ids = null);
