using System.Net.Http.Json;
using System.Text.Json;

namespace Conveyor.Cli.Workers;

/// <summary>Runs one job by POSTing it as JSON to a URL: 2xx is success with the body as the result; anything else fails the attempt.</summary>
internal static class HttpJobRunner
{
    private const int BodyInError = 2000;

    public static async Task<JsonElement?> RunAsync(IHttpClientFactory clients, string url, JsonElement data, JobContext job, CancellationToken ct)
    {
        using var http = clients.CreateClient("conveyor-worker");
        http.Timeout = Timeout.InfiniteTimeSpan; // the job's own timeout (--timeout) cancels ct
        using var response = await http.PostAsJsonAsync(url, new ExecJob(job.Id, job.Queue, job.Name, data, job.Attempt), ExecJson.Default.ExecJob, ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpJobFailedException(
                $"POST {url} answered {(int)response.StatusCode} {response.ReasonPhrase}.{(body.Length == 0 ? "" : "\n" + (body.Length <= BodyInError ? body : body[..BodyInError] + "…"))}");
        }

        return body.Trim().Length == 0 ? null : ExecJobRunner.JsonOrString(body);
    }
}

/// <summary>The endpoint answered with a non-2xx status; the message carries it and the start of the body.</summary>
internal sealed class HttpJobFailedException(string message) : Exception(message);
