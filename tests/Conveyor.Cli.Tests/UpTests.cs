using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Conveyor.Testing;

namespace Conveyor.Cli.Tests;

/// <summary>The README's first command, from the repository, on the embedded store: up, enqueue over HTTP, a worker, done.</summary>
public sealed class UpTests
{
    [Fact]
    public async Task Conveyor_up_as_the_readme_says_serves_http_and_a_worker_here_finds_its_store_and_completes_the_job()
    {
        string repo = FindRepository();
        string dir = Directory.CreateTempSubdirectory("conveyor-up-").FullName;
        int port = Ports.Free();
        // The README's command (`dotnet run -c Release --project src/Conveyor.Cli -- up`), run from another directory so
        // its ./.conveyor is a fresh one, on a free port; --no-build because test.sh has just built it.
        var start = new ProcessStartInfo("dotnet", ["run", "-c", "Release", "--no-build", "--project", Path.Combine(repo, "src", "Conveyor.Cli"), "--", "up", "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment.Remove("CONVEYOR_REDIS");
        start.Environment.Remove("REDIS_URL");
        using var up = Process.Start(start)!;
        var lines = new List<string>();
        var storeLine = new TaskCompletionSource<string>();
        up.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            if (e.Data.StartsWith("store: redis://127.0.0.1:", StringComparison.Ordinal))
            {
                storeLine.TrySetResult(e.Data);
            }
        };
        up.BeginOutputReadLine();
        up.BeginErrorReadLine();
        try
        {
            await storeLine.Task.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(File.Exists(Path.Combine(dir, ".conveyor", "store.json")));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var response = await http.PostAsync("/api/queues/videos/jobs", new StringContent("""{"name":"transcode","data":{"file":"intro.mp4"}}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            string id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
            Assert.Contains("<title>Conveyor</title>", await http.GetStringAsync("/"));

            var worker = await Conveyor.RunAsync(["worker", "videos", "--exec", "cat > /dev/null; echo '{\"frames\":1200}'", "--burst"], cwd: dir);

            Assert.Equal(0, worker.ExitCode);
            var job = JsonDocument.Parse(await http.GetStringAsync($"/api/queues/videos/jobs/{id}")).RootElement;
            Assert.Equal("completed", job.GetProperty("state").GetString());
            Assert.Equal(1200, job.GetProperty("result").GetProperty("frames").GetInt32());

            Conveyor.Terminate(up);
            Assert.True(up.WaitForExit(30_000), "conveyor up stopped on SIGTERM");
            Assert.Equal(0, up.ExitCode);
            Assert.False(File.Exists(Path.Combine(dir, ".conveyor", "store.json")), "it withdrew its store announcement");
        }
        finally
        {
            if (!up.HasExited)
            {
                up.Kill(entireProcessTree: true);
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    private static string FindRepository()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Conveyor.slnx")))
        {
            d = d.Parent;
        }

        return d?.FullName ?? throw new InvalidOperationException("Run from inside the repository.");
    }
}
