namespace Conveyor.Embedded;

/// <summary>Settings of the embedded store. Each property's summary gives its default.</summary>
public sealed class EmbeddedStoreOptions
{
    /// <summary>Where the store keeps its append-only log and checkpoints. Default: <c>./.conveyor/data</c>.</summary>
    public string DataDirectory { get; set; } = Path.Combine(".conveyor", "data");

    /// <summary>Loopback port to listen on; 0 picks a free one. Default: 6379. A port already in use is an error
    /// that says so — the store never silently moves.</summary>
    public int Port { get; set; } = 6379;

    /// <summary>Memory for the in-memory part of the store, in Garnet's notation (<c>512m</c>, <c>2g</c>); data beyond
    /// it spills to disk rather than being dropped. Default: <c>512m</c>.</summary>
    public string Memory { get; set; } = "512m";

    /// <summary>How often a checkpoint is taken, so the append-only log does not grow without bound. Default: 5 min.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);
}
