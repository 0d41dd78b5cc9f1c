using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Spectre.Console;

namespace Conveyor.Cli;

/// <summary>
/// Every command's output: aligned tables with colour on a terminal (Spectre.Console), plain aligned text when piped,
/// indented JSON with <c>--json</c>.
/// </summary>
internal static class Output
{
    public static bool Terminal => !Console.IsOutputRedirected;

    public static void Write<T>(T value, JsonTypeInfo<T> type) => Console.WriteLine(JsonSerializer.Serialize(value, type));

    public static void Line(string text = "") => Console.WriteLine(text);

    public static void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        if (Terminal)
        {
            var table = new Table().Border(TableBorder.Rounded);
            foreach (string h in headers)
            {
                table.AddColumn(new TableColumn($"[bold]{Markup.Escape(h)}[/]"));
            }

            foreach (var row in all)
            {
                table.AddRow(row.Select(Colour).ToArray());
            }

            AnsiConsole.Write(table);
            return;
        }

        int[] widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        Console.WriteLine(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in all)
        {
            Console.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
    }

    /// <summary>Label: value lines, aligned.</summary>
    public static void Fields(IEnumerable<(string Label, string? Value)> fields)
    {
        var list = fields.Where(f => f.Value is not null).ToList();
        int width = list.Max(f => f.Label.Length) + 1;
        foreach (var (label, value) in list)
        {
            if (Terminal)
            {
                AnsiConsole.MarkupLine($"[grey]{Markup.Escape((label + ":").PadRight(width))}[/] {Colour(value!)}");
            }
            else
            {
                Console.WriteLine($"{(label + ":").PadRight(width)} {value}");
            }
        }
    }

    public static void Heading(string text)
    {
        if (Terminal)
        {
            AnsiConsole.MarkupLine($"\n[bold underline]{Markup.Escape(text)}[/]");
        }
        else
        {
            Console.WriteLine($"\n{text}");
        }
    }

    public static string Time(DateTimeOffset? t) => t is { } v ? v.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) : "";

    private static string Colour(string cell) => cell switch
    {
        "waiting" => "[blue]waiting[/]",
        "delayed" => "[purple]delayed[/]",
        "active" => "[yellow]active[/]",
        "completed" => "[green]completed[/]",
        "dead" => "[red]dead[/]",
        "cancelled" => "[grey]cancelled[/]",
        "paused" => "[yellow]paused[/]",
        _ => Markup.Escape(cell),
    };
}
