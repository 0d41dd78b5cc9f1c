// Starts an embedded store on the data directory and port given (args[0], args[1]), prints "ready PORT", then
// obeys its standard input line by line: "checkpoint" takes one; end of input stops the store cleanly.
using Conveyor.Embedded;

await using var store = await EmbeddedStore.StartAsync(new EmbeddedStoreOptions
{
    DataDirectory = args[0],
    Port = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture),
    CheckpointInterval = TimeSpan.FromHours(1),
});
Console.WriteLine($"ready {store.Port}");
while (await Console.In.ReadLineAsync() is { } command)
{
    if (command == "checkpoint")
    {
        await store.CheckpointAsync();
        Console.WriteLine("checkpointed");
    }
}
