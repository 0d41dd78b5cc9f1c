using System.Text.Json;
using StackExchange.Redis;

namespace Conveyor.Server;

/// <summary>RFC 9457 problem details whose <c>detail</c> says what was wrong and what to do.</summary>
internal static class Problems
{
    public static IResult BadRequest(string detail) => Make(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static IResult Unauthorized(string detail) => Make(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    public static IResult NotFound(string detail) => Make(StatusCodes.Status404NotFound, "Not found", detail);

    public static IResult Conflict(string detail) => Make(StatusCodes.Status409Conflict, "Conflict", detail);

    public static IResult Unavailable(string detail) => Make(StatusCodes.Status503ServiceUnavailable, "Redis unavailable", detail);

    public static IResult Make(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    /// <summary>The problem an exception from an endpoint stands for, or null for a bug (which stays a 500).</summary>
    public static IResult? From(Exception e) => e switch
    {
        ApiProblem p => Make(p.Status, p.Title, p.Message),
        InvalidJobException => BadRequest(e.Message),
        RedisUnavailableException => Unavailable(e.Message),
        RedisException => Unavailable($"Redis did not answer ({e.Message}). Check that it is running and reachable. " +
            "A write may or may not have happened: retry with the same job id, which is never enqueued twice."),
        JsonException => BadRequest($"The request body is not valid JSON: {e.Message}"),
        BadHttpRequestException b => Make(b.StatusCode, "Bad request", b.Message),
        _ => null,
    };
}

/// <summary>Thrown by endpoint code to answer with a problem detail.</summary>
internal sealed class ApiProblem(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public static ApiProblem BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static ApiProblem NotFound(string detail) => new(StatusCodes.Status404NotFound, "Not found", detail);

    public static ApiProblem TooLarge(string detail) => new(StatusCodes.Status413PayloadTooLarge, "Payload too large", detail);
}

/// <summary>Turns the exceptions a request can cause into problem details: bad input is a 4xx, a dead Redis a 503.</summary>
internal sealed class ProblemFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (Problems.From(e) is { } problem)
        {
            return problem;
        }
    }
}
