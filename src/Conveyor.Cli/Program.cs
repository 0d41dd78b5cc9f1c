// The conveyor command. Each command is one file under Commands/; this file wires them up and turns failures into
// the documented exit codes: 0 ok, 1 operation failed, 2 usage error, 3 not found, 4 cannot reach Redis.
using System.CommandLine;
using Conveyor;
using Conveyor.Cli;
using Conveyor.Cli.Commands;

var root = new RootCommand("Conveyor: background jobs on Redis. Run the store, server and workers; inspect and repair queues.")
{
    UpCommand.Create(),
    ServerCommand.Create(),
    WorkerCommand.Create(),
    EnqueueCommand.Create(),
    InfoCommand.Create(),
    JobsCommand.Create(),
    JobCommand.Create(),
    RepairCommands.Retry(),
    RepairCommands.Cancel(),
    RepairCommands.Remove(),
    RepairCommands.Purge(),
    RepairCommands.Pause(paused: true),
    RepairCommands.Pause(paused: false),
    WorkersCommand.Create(),
};
root.Options.Add(GlobalOptions.Redis);
root.Options.Add(GlobalOptions.Json);

// No response files: "--data @file.json" means a file of JSON here, not more arguments.
var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine($"conveyor: {error.Message}");
    }

    Console.Error.WriteLine("Run 'conveyor --help' (or 'conveyor COMMAND --help') for usage.");
    return ExitCodes.Usage;
}

try
{
    // Signals belong to the commands that run hosts (up, server, worker): the Generic Host stops gracefully on the
    // first SIGINT/SIGTERM, and the worker hurries on the second. System.CommandLine's own handler would preempt it.
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
}
catch (Exception e) when (ExitCode(e) is { } code)
{
    Console.Error.WriteLine($"conveyor: {e.Message}");
    return code;
}

static int? ExitCode(Exception e) => e switch
{
    CliError cli => cli.Code,
    RedisUnavailableException => ExitCodes.NoRedis,
    InvalidJobException => ExitCodes.Usage,
    Conveyor.Server.ApiProblem { Status: 404 } => ExitCodes.NotFound, // lookups shared with the server
    Conveyor.Server.ApiProblem => ExitCodes.Usage,
    ConveyorException => ExitCodes.Failed,
    _ => null, // a bug: let it crash with its stack
};
