namespace Conveyor.Storage;

/// <summary>A Lua script as loaded: its final body, its SHA-1 and the names of the keys it declares.</summary>
internal sealed record Script(string Name, string Body, byte[] Sha1, IReadOnlyList<string> KeyNames);
