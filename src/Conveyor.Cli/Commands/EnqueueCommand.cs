using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Conveyor.Server.Api;

namespace Conveyor.Cli.Commands;

/// <summary><c>conveyor enqueue QUEUE NAME [--data JSON|@file|-] …</c>: prints the job id, and "duplicate" when it existed.</summary>
internal static class EnqueueCommand
{
    public static Command Create()
    {
        var queue = new Argument<string>("queue") { Description = "The queue." };
        var name = new Argument<string>("name") { Description = "The job name (picks the handler), e.g. email.send." };
        var data = new Option<string?>("--data") { Description = "The job's data: JSON, @file to read a file, or - for standard input. Default null." };
        var id = new Option<string?>("--id") { Description = "The job id; an existing id is not enqueued twice." };
        var delay = new Option<string?>("--delay") { Description = "Run after this long: 10s, 5m, 1h30m." };
        var at = new Option<string?>("--at") { Description = "Run at this time (ISO 8601, e.g. 2026-11-23T18:00:00Z)." };
        var priority = new Option<int>("--priority") { Description = "-1000 to 1000, higher first. Default 0." };
        var attempts = new Option<int?>("--attempts") { Description = "How many times to try it. Default 5." };
        var command = new Command("enqueue", "Add a job to a queue.") { queue, name, data, id, delay, at, priority, attempts };
        command.SetAction(async (r, ct) =>
        {
            var options = new EnqueueOptions
            {
                Id = r.GetValue(id),
                Delay = r.GetValue(delay) is { } d ? Parse.Duration(d, "--delay") : null,
                RunAt = r.GetValue(at) is { } a ? ParseTime(a) : null,
                Priority = r.GetValue(priority),
                Attempts = r.GetValue(attempts),
            };
            using var json = ReadData(r.GetValue(data));
            await using var client = await Store.ConnectAsync(r.GetValue(GlobalOptions.Redis));
            var q = client.Queue(r.GetValue(queue)!);
            var result = await q.EnqueueAsync(r.GetValue(name)!, json.RootElement, options, ct);
            string state = result.Duplicate ? result.Existing?.State.Name() ?? "removed" : EnqueueRequest.IsDelayed(options) ? "delayed" : "waiting";
            if (r.GetValue(GlobalOptions.Json))
            {
                Output.Write(new EnqueueView(result.Id, q.Name, state, result.Duplicate), CliJson.Default.EnqueueView);
            }
            else
            {
                Output.Line(result.Duplicate ? $"{result.Id} duplicate ({state})" : result.Id);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static JsonDocument ReadData(string? data)
    {
        string text = data switch
        {
            null => "null",
            "-" => Console.In.ReadToEnd(),
            _ when data.StartsWith('@') => File.Exists(data[1..]) ? File.ReadAllText(data[1..]) : throw CliError.Usage($"--data {data}: there is no file '{data[1..]}'."),
            _ => data,
        };
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw CliError.Usage($"--data is not valid JSON ({e.Message}). Quote it for the shell, e.g. --data '{{\"to\":\"ada@example.com\"}}'.");
        }
    }

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw CliError.Usage($"--at must be an ISO 8601 time such as 2026-11-23T18:00:00Z; it was '{text}'.");
}
