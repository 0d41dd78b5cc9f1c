using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Conveyor.Storage;

/// <summary>
/// Loads the embedded <c>.lua</c> files once. Each script's header names its keys (<c>KEYS: wait prio …</c>);
/// the catalog turns that line into a table <c>K</c> (<c>K.wait = KEYS[1]</c> …) and prepends the shared helpers,
/// so a script and its callers cannot disagree on key order.
/// </summary>
internal static class ScriptCatalog
{
    private const string ResourcePrefix = "Conveyor.Scripts.";
    private static readonly string[] JobHashes =
        ["jobs", "lease", "attempts", "stalls", "priority", "errors", "progress", "logs", "done", "cancelreq"];

    private static readonly Lazy<IReadOnlyDictionary<string, Script>> All = new(Load);

    public static Script Enqueue => Get("enqueue");
    public static Script Fetch => Get("fetch");
    public static Script Complete => Get("complete");
    public static Script Fail => Get("fail");
    public static Script Renew => Get("renew");
    public static Script Release => Get("release");
    public static Script Recover => Get("recover");
    public static Script Sweep => Get("sweep");
    public static Script Progress => Get("progress");
    public static Script Log => Get("log");
    public static Script Cancel => Get("cancel");
    public static Script Remove => Get("remove");
    public static Script Retry => Get("retry");
    public static Script Purge => Get("purge");
    public static Script GetJob => Get("get");
    public static Script Counts => Get("counts");

    public static IEnumerable<Script> Scripts => All.Value.Values;

    private static Script Get(string name) => All.Value[name];

    private static Dictionary<string, Script> Load()
    {
        var assembly = typeof(ScriptCatalog).Assembly;
        string common = Read(assembly, ResourcePrefix + "_common.lua");
        var scripts = new Dictionary<string, Script>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || resource.Contains("._", StringComparison.Ordinal))
            {
                continue;
            }

            string name = resource[ResourcePrefix.Length..^".lua".Length];
            string source = Read(assembly, resource);
            scripts[name] = Build(name, source, common);
        }

        return scripts;
    }

    internal static Script Build(string name, string source, string common)
    {
        var keys = ParseKeys(name, source);
        bool forgets = new[] { "forget(", "finish(", "trim_to_count(", "trim_finished(" }.Any(f => source.Contains(f, StringComparison.Ordinal));
        if (forgets && JobHashes.Except(keys).ToList() is { Count: > 0 } missing)
        {
            throw new InvalidOperationException(
                $"Script '{name}' forgets jobs but does not declare {string.Join(", ", missing)}: it would leave fields behind.");
        }

        var prelude = new StringBuilder("local K = {");
        for (int i = 0; i < keys.Count; i++)
        {
            prelude.Append(' ').Append(keys[i]).Append(" = KEYS[").Append(i + 1).Append("],");
        }

        prelude.Append(" }\nlocal ARGV_SIGNAL, ARGV_EVENTS = ARGV[1], ARGV[2]\n");
        string body = prelude + common + "\n" + source;
        return new Script(name, body, SHA1.HashData(Encoding.UTF8.GetBytes(body)), keys);
    }

    private static List<string> ParseKeys(string name, string source)
    {
        foreach (string line in source.Split('\n'))
        {
            if (line.StartsWith("KEYS:", StringComparison.Ordinal))
            {
                var keys = line["KEYS:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                foreach (string key in keys)
                {
                    if (!QueueKeys.Names.Contains(key))
                    {
                        throw new InvalidOperationException($"Script '{name}' declares unknown key '{key}'.");
                    }
                }

                return keys;
            }
        }

        throw new InvalidOperationException($"Script '{name}' has no 'KEYS:' line in its header.");
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded script '{resource}' is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
