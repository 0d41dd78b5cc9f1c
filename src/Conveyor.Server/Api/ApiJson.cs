using System.Text.Json;
using System.Text.Json.Serialization;
using Conveyor.Server.Health;

namespace Conveyor.Server.Api;

/// <summary>Source-generated serialization of the API's responses (camelCase, as the web defaults).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EnqueueView))]
[JsonSerializable(typeof(List<EnqueueView>))]
[JsonSerializable(typeof(QueueListView))]
[JsonSerializable(typeof(QueueDetailView))]
[JsonSerializable(typeof(JobListView))]
[JsonSerializable(typeof(JobView))]
[JsonSerializable(typeof(RetryView))]
[JsonSerializable(typeof(CancelView))]
[JsonSerializable(typeof(PauseView))]
[JsonSerializable(typeof(RetriedView))]
[JsonSerializable(typeof(RemovedView))]
[JsonSerializable(typeof(WorkerListView))]
[JsonSerializable(typeof(RedisView))]
[JsonSerializable(typeof(HookAcceptedView))]
[JsonSerializable(typeof(LiveView))]
[JsonSerializable(typeof(ReadyView))]
[JsonSerializable(typeof(HealthView))]
internal sealed partial class ApiJson : JsonSerializerContext;
