using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conveyor.Storage;

/// <summary>
/// The immutable part of a job, stored as one JSON string in the queue's <c>jobs</c> hash:
/// <c>{"name":"email.send","data":{…},"created":1732300000000,"opts":{…},"trace":"00-…"}</c>.
/// <c>opts</c> and <c>trace</c> are omitted when empty. See docs/internals.md.
/// </summary>
internal readonly record struct Envelope(string Name, ReadOnlyMemory<byte> Data, long Created, StoredOptions? Options, string? Trace)
{
    public static byte[] Write<T>(string name, T data, long created, StoredOptions? options, string? trace, JsonSerializerOptions json)
    {
        // The writer and its buffer are reused per thread (taken out while in use, so a nested or failed write
        // simply makes a new pair): per job only the final array is allocated.
        var scratch = _scratch ?? new Scratch();
        _scratch = null;
        var writer = scratch.Writer;
        writer.WriteStartObject();
        writer.WriteString("name"u8, name);
        writer.WritePropertyName("data"u8);
        JsonSerializer.Serialize(writer, data, json);
        writer.WriteNumber("created"u8, created);
        if (options is not null)
        {
            writer.WritePropertyName("opts"u8);
            JsonSerializer.Serialize(writer, options, StorageJson.Default.StoredOptions);
        }

        if (trace is not null)
        {
            writer.WriteString("trace"u8, trace);
        }

        writer.WriteEndObject();
        writer.Flush();
        byte[] envelope = scratch.Buffer.WrittenSpan.ToArray();
        if (scratch.Buffer.Capacity <= Scratch.KeptCapacity)
        {
            scratch.Reset();
            _scratch = scratch;
        }

        return envelope;
    }

    [ThreadStatic]
    private static Scratch? _scratch;

    private sealed class Scratch
    {
        public const int KeptCapacity = 16 * 1024; // a thread does not keep the buffer of an unusually large payload

        public readonly ArrayBufferWriter<byte> Buffer = new(256);
        public readonly Utf8JsonWriter Writer;

        public Scratch() => Writer = new Utf8JsonWriter(Buffer);

        public void Reset()
        {
            Buffer.ResetWrittenCount();
            Writer.Reset(Buffer);
        }
    }

    // Jobs of a queue mostly share a few names: the last one read is reused rather than allocated again per job.
    private static string? _lastName;

    private static string ReadName(ref Utf8JsonReader reader)
    {
        string? last = Volatile.Read(ref _lastName);
        if (last is not null && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(last))
        {
            return last;
        }

        string name = reader.GetString() ?? "";
        Volatile.Write(ref _lastName, name);
        return name;
    }

    public static Envelope Read(ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span);
        string name = "";
        ReadOnlyMemory<byte> data = default;
        long created = 0;
        StoredOptions? options = null;
        string? trace = null;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = ReadName(ref reader);
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                int start = (int)reader.TokenStartIndex;
                reader.Skip();
                data = json[start..((int)reader.BytesConsumed)];
            }
            else if (reader.ValueTextEquals("created"u8))
            {
                reader.Read();
                created = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("opts"u8))
            {
                reader.Read();
                options = JsonSerializer.Deserialize(ref reader, StorageJson.Default.StoredOptions);
            }
            else if (reader.ValueTextEquals("trace"u8))
            {
                reader.Read();
                trace = reader.GetString();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new Envelope(name, data, created, options, trace);
    }
}

/// <summary>Job options as stored in the envelope; times in milliseconds. Null means "the worker's default".</summary>
internal sealed record StoredOptions
{
    public int? Attempts { get; init; }
    public StoredBackoff? Backoff { get; init; }
    public long? Timeout { get; init; }
    public int? Priority { get; init; }
    public StoredRetention? KeepCompleted { get; init; }
    public StoredRetention? KeepDead { get; init; }
    public int? MaxStalls { get; init; }

    public static StoredOptions? From(EnqueueOptions? o)
    {
        if (o is null || (o.Attempts is null && o.Backoff is null && o.Timeout is null && o.Priority == 0
            && o.KeepCompleted is null && o.KeepDead is null && o.MaxStalls is null))
        {
            return null;
        }

        return new StoredOptions
        {
            Attempts = o.Attempts,
            Backoff = o.Backoff is { } b ? new StoredBackoff(b.Kind.ToString().ToLowerInvariant(), Ms(b.Delay), Ms(b.Max), b.Jitter, b.Name) : null,
            Timeout = o.Timeout is { } t ? Ms(t) : null,
            Priority = o.Priority == 0 ? null : o.Priority,
            KeepCompleted = StoredRetention.From(o.KeepCompleted),
            KeepDead = StoredRetention.From(o.KeepDead),
            MaxStalls = o.MaxStalls,
        };
    }

    public EnqueueOptions ToOptions(string? id) => new()
    {
        Id = id,
        Attempts = Attempts,
        Backoff = Backoff?.ToBackoff(),
        Timeout = Timeout is { } t ? TimeSpan.FromMilliseconds(t) : null,
        Priority = Priority ?? 0,
        KeepCompleted = KeepCompleted?.ToRetention(),
        KeepDead = KeepDead?.ToRetention(),
        MaxStalls = MaxStalls,
    };

    private static long Ms(TimeSpan t) => (long)t.TotalMilliseconds;
}

internal sealed record StoredBackoff(string Type, long Delay, long Max, double Jitter, string? Name)
{
    public Backoff? ToBackoff() => Type switch
    {
        "fixed" => Conveyor.Backoff.Fixed(TimeSpan.FromMilliseconds(Delay)),
        "exponential" => Conveyor.Backoff.Exponential(TimeSpan.FromMilliseconds(Delay), TimeSpan.FromMilliseconds(Max), Jitter),
        "custom" when Name is not null => Conveyor.Backoff.Custom(Name),
        _ => null,
    };
}

internal sealed record StoredRetention(long Age, int Count)
{
    public static StoredRetention? From(Retention? r) => r is null ? null : new((long)r.Age.TotalMilliseconds, r.Count);

    public Retention ToRetention() => new(TimeSpan.FromMilliseconds(Age), Count);

    public string Encode() => $"{Age}:{Count}";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredOptions))]
[JsonSerializable(typeof(StoredError))]
[JsonSerializable(typeof(StoredError[]))]
[JsonSerializable(typeof(StoredLogLine))]
[JsonSerializable(typeof(StoredLogLine[]))]
[JsonSerializable(typeof(DoneRecord))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class StorageJson : JsonSerializerContext;

/// <summary>One attempt's error, as appended to the job's entry in the <c>errors</c> hash.</summary>
internal sealed record StoredError(int Attempt, long At, string Type, string Message, string? Stack = null);

internal sealed record StoredLogLine(long At, string Text);

/// <summary>What the <c>done</c> hash holds for a finished job; written by the scripts.</summary>
internal sealed record DoneRecord(long Finished, long Started, string? Lease, string? Worker, string? Reason, JsonElement? Result);
