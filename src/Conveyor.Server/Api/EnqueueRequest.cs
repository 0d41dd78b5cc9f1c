using System.Globalization;
using System.Text.Json;

namespace Conveyor.Server.Api;

/// <summary>
/// One job of an enqueue request: <c>{name, data, id?, delay?, runAt?, priority?, attempts?, backoff?, timeout?}</c>.
/// Read field by field so every wrong field gets a message naming it, its expected type and the value sent.
/// </summary>
internal sealed record EnqueueRequest(string Name, JsonElement Data, EnqueueOptions Options)
{
    private static readonly string[] Known = ["name", "data", "id", "delay", "runAt", "priority", "attempts", "backoff", "timeout"];

    /// <summary>Whether the job waits for a due time rather than being ready at once.</summary>
    public bool Delayed => IsDelayed(Options);

    /// <summary>Whether a new job with these options starts delayed (a run-at time already past runs at once).</summary>
    public static bool IsDelayed(EnqueueOptions options) => options.Delay > TimeSpan.Zero || options.RunAt > DateTimeOffset.UtcNow;

    public static EnqueueRequest Parse(JsonElement job, string at)
    {
        if (job.ValueKind != JsonValueKind.Object)
        {
            throw ApiProblem.BadRequest($"{at} must be a JSON object such as {{\"name\":\"email.send\",\"data\":{{...}}}}; it was {Describe(job)}.");
        }

        string? name = null;
        JsonElement data = default;
        var options = new EnqueueOptions();
        foreach (var field in job.EnumerateObject())
        {
            var v = field.Value;
            string path = at.Length == 0 ? field.Name : $"{at}.{field.Name}";
            switch (field.Name)
            {
                case "name": name = String(v, path); break;
                case "data": data = v.Clone(); break;
                case "id": options = options with { Id = v.ValueKind == JsonValueKind.Null ? null : QueueName.ValidateJobId(String(v, path)) }; break;
                case "delay": options = options with { Delay = DurationText.Parse(v, path) }; break;
                case "runAt": options = options with { RunAt = Time(v, path) }; break;
                case "priority": options = options with { Priority = Int(v, path, EnqueueOptions.MinPriority, EnqueueOptions.MaxPriority) }; break;
                case "attempts": options = options with { Attempts = Int(v, path, 1, 1000) }; break;
                case "backoff": options = options with { Backoff = ParseBackoff(v, path) }; break;
                case "timeout": options = options with { Timeout = DurationText.Parse(v, path) }; break;
                default:
                    throw ApiProblem.BadRequest($"Unknown field '{path}'. A job has the fields {string.Join(", ", Known)}.");
            }
        }

        if (name is null)
        {
            throw ApiProblem.BadRequest($"'{(at.Length == 0 ? "" : at + ".")}name' is missing: every job needs a name, which picks the handler that runs it (for example \"email.send\").");
        }

        if (data.ValueKind == JsonValueKind.Undefined)
        {
            data = JsonDocument.Parse("null").RootElement;
        }

        return new EnqueueRequest(JobNames.Validate(name), data, options);
    }

    private static Backoff ParseBackoff(JsonElement v, string path)
    {
        const string Shape = "{\"type\":\"fixed\",\"delay\":\"5s\"}, {\"type\":\"exponential\",\"delay\":\"1s\",\"max\":\"1h\",\"jitter\":0.2} or {\"type\":\"custom\",\"name\":\"mine\"}";
        if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw ApiProblem.BadRequest($"'{path}' must be an object such as {Shape}; it was {Describe(v)}.");
        }

        TimeSpan? Duration(string field) => v.TryGetProperty(field, out var d) ? DurationText.Parse(d, $"{path}.{field}") : null;
        try
        {
            return type.GetString() switch
            {
                "fixed" => Backoff.Fixed(Duration("delay") ?? throw ApiProblem.BadRequest($"'{path}.delay' is missing: a fixed backoff needs a delay such as \"5s\".")),
                "exponential" => Backoff.Exponential(Duration("delay") ?? TimeSpan.FromSeconds(1), Duration("max"),
                    v.TryGetProperty("jitter", out var j) && j.ValueKind == JsonValueKind.Number ? j.GetDouble() : 0.2),
                "custom" => Backoff.Custom(v.TryGetProperty("name", out var n) ? String(n, $"{path}.name") : throw ApiProblem.BadRequest($"'{path}.name' is missing: a custom backoff names a policy the workers registered.")),
                _ => throw ApiProblem.BadRequest($"'{path}.type' must be fixed, exponential or custom; it was {type.GetRawText()}."),
            };
        }
        catch (ArgumentException e)
        {
            throw ApiProblem.BadRequest($"'{path}' is not valid: {e.Message}");
        }
    }

    private static string String(JsonElement v, string path) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()! : throw ApiProblem.BadRequest($"'{path}' must be a string; it was {Describe(v)}.");

    private static int Int(JsonElement v, string path, int min, int max) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n >= min && n <= max
            ? n
            : throw ApiProblem.BadRequest($"'{path}' must be an integer from {min} to {max}; it was {Describe(v)}.");

    private static DateTimeOffset Time(JsonElement v, string path) =>
        v.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw ApiProblem.BadRequest($"'{path}' must be an ISO 8601 time such as \"2026-11-23T18:00:00Z\"; it was {Describe(v)}.");

    internal static string Describe(JsonElement v)
    {
        string raw = v.GetRawText();
        return raw.Length <= 60 ? raw : raw[..57] + "...";
    }
}
