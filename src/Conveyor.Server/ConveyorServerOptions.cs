using Conveyor.Server.Webhooks;

namespace Conveyor.Server;

/// <summary>Settings of the HTTP server, bound from the configuration section <c>Conveyor:Server</c>.</summary>
public sealed class ConveyorServerOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string Section = "Conveyor:Server";

    /// <summary>
    /// Keys accepted as <c>Authorization: Bearer KEY</c> on <c>/api</c>, <c>/health</c> and <c>/metrics</c>. Empty (the
    /// default) means no authentication, which is allowed only while the server listens on loopback addresses.
    /// </summary>
    public IList<string> ApiKeys { get; } = [];

    /// <summary>The largest request body accepted, in bytes. Default 1 MiB, as for a job's payload.</summary>
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>The largest number of jobs in one bulk request. Default 1 000.</summary>
    public int MaxBulkJobs { get; set; } = 1000;

    /// <summary>Webhook intake: hook name (the <c>{name}</c> in <c>POST /hooks/{name}</c>) to its settings.</summary>
    public IDictionary<string, HookOptions> Hooks { get; } = new Dictionary<string, HookOptions>(StringComparer.Ordinal);

    /// <summary>Serve the dashboard at <c>/</c>. Default true.</summary>
    public bool Dashboard { get; set; } = true;

}
