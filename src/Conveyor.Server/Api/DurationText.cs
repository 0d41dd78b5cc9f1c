using System.Globalization;
using System.Text.Json;

namespace Conveyor.Server.Api;

/// <summary>Durations as the API accepts them: milliseconds as a number, or text such as "90s", "5m", "1h30m", "250ms".</summary>
internal static class DurationText
{
    public static TimeSpan Parse(JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.TryGetInt64(out long ms) && ms >= 0
                ? TimeSpan.FromMilliseconds(ms)
                : throw Invalid(field, value.GetRawText());
        }

        if (value.ValueKind == JsonValueKind.String && TryParse(value.GetString()!, out var span))
        {
            return span;
        }

        throw Invalid(field, value.GetRawText());
    }

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long plain))
        {
            duration = TimeSpan.FromMilliseconds(plain);
            return true;
        }

        int i = 0;
        double totalMs = 0;
        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (!double.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n))
            {
                return false;
            }

            int unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            double? unitMs = text[unitStart..i].ToLowerInvariant() switch
            {
                "ms" => 1,
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => null,
            };
            if (unitMs is null)
            {
                return false;
            }

            totalMs += n * unitMs.Value;
        }

        if (totalMs > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    private static ApiProblem Invalid(string field, string raw) => ApiProblem.BadRequest(
        $"'{field}' must be a duration: milliseconds as a non-negative number, or text such as \"250ms\", \"90s\", \"5m\", \"1h30m\"; it was {raw}.");
}
