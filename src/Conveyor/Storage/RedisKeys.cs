using StackExchange.Redis;

namespace Conveyor.Storage;

/// <summary>
/// The one place Redis key and channel names are built. Every key of a queue carries the queue name as a
/// hash tag (<c>conveyor:{emails}:wait</c>), so all of them live in one Redis Cluster slot and one script
/// may touch them all.
/// </summary>
internal sealed class QueueKeys
{
    /// <summary>Per-queue key names, as scripts declare them in their KEYS header.</summary>
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal)
    {
        "wait", "prio", "pseq", "delayed", "holders", "completed", "dead", "cancelled",
        "jobs", "lease", "attempts", "stalls", "priority", "errors", "progress", "logs", "done", "cancelreq",
        "paused", "fence", "stats", "minutes", "durations",
    };

    /// <summary>The encoding pin the scripts keep in hot hashes (see _common.lua).</summary>
    public const string Pin = "~pin~" + "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~";

    private readonly string _root;

    public QueueKeys(string prefix, string queue)
    {
        Queue = queue;
        _root = $"{prefix}:{{{queue}}}:";
        Signal = RedisChannel.Literal(_root + "signal");
        Events = RedisChannel.Literal(_root + "events");
    }

    public string Queue { get; }

    /// <summary>Workers listen here for 'wake' (jobs are waiting) and 'cancel:ID' (stop a running job).</summary>
    public RedisChannel Signal { get; }

    /// <summary>Lifecycle events for live views: one JSON message per state change of a batch.</summary>
    public RedisChannel Events { get; }

    public RedisKey Key(string name) =>
        Names.Contains(name) ? (RedisKey)(_root + name) : throw new ArgumentException($"Unknown queue key '{name}'.", nameof(name));
}

/// <summary>Keys shared by all queues: the queue directory and the worker registry. Never used inside a script.</summary>
internal sealed class GlobalKeys(string prefix)
{
    public RedisKey Queues { get; } = prefix + ":queues";

    /// <summary>Sorted set of worker ids scored by the time their heartbeat expires.</summary>
    public RedisKey Workers { get; } = prefix + ":workers";

    public RedisKey Worker(string id) => $"{prefix}:worker:{id}";

    public string EventsPattern { get; } = prefix + ":{*}:events";
}
