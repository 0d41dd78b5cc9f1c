using System.CommandLine;
using Conveyor.Server;
using Microsoft.AspNetCore.Builder;

namespace Conveyor.Cli.Commands;

/// <summary><c>conveyor server [--urls …]</c>: the HTTP server (API, webhooks, health, metrics, dashboard) alone.</summary>
internal static class ServerCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen. Beyond loopback it needs an API key (Conveyor__Server__ApiKeys__0).", DefaultValueFactory = _ => ConveyorServerHost.DefaultUrl };
        var command = new Command("server", "Run the HTTP server: job API, webhooks, health, metrics and the dashboard.") { urls };
        command.TreatUnmatchedTokensAsErrors = false; // further ASP.NET Core settings pass through, e.g. --Conveyor:Server:MaxBulkJobs=500
        command.SetAction(async (r, ct) =>
        {
            // No Redis given: the store of a 'conveyor up' here, else the server starts an embedded store of its own.
            string? redis = Store.Configured(r.GetValue(GlobalOptions.Redis)) ?? Store.Running(Store.DefaultDataDirectory);
            string[] args = ["--urls", r.GetValue(urls)!, .. redis is null ? Array.Empty<string>() : [$"--Conveyor:Redis={redis}"], .. r.UnmatchedTokens];
            await using var app = await BuildAsync(args);
            await app.RunAsync();
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Builds the server; listening beyond loopback without an API key is a usage error (exit 2).</summary>
    internal static async Task<WebApplication> BuildAsync(string[] args)
    {
        try
        {
            return await ConveyorServerHost.BuildAsync(args);
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("Refusing", StringComparison.Ordinal))
        {
            throw CliError.Usage(e.Message);
        }
    }
}
