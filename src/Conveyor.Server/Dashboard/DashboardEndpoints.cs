using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Conveyor.Server.Dashboard;

/// <summary>
/// Serves the dashboard's files, embedded in this assembly: no CDN and no files on disk to deploy. The page itself
/// holds no data; it reads everything through <c>/api</c>, so API keys protect the dashboard too.
/// </summary>
internal static class DashboardEndpoints
{
    private const string Prefix = "Conveyor.Dashboard.";

    private static readonly Lazy<Dictionary<string, Asset>> Assets = new(Load);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext context) => Serve(context, "index.html")).ExcludeFromDescription();
        app.MapGet("/{file:regex(^[a-z0-9-]+\\.(js|css|svg|png)$)}", (HttpContext context, string file) => Serve(context, file)).ExcludeFromDescription();
    }

    private static IResult Serve(HttpContext context, string file)
    {
        if (!Assets.Value.TryGetValue(file, out var asset))
        {
            return TypedResults.NotFound();
        }

        var headers = context.Response.GetTypedHeaders();
        headers.ETag = asset.ETag;
        headers.CacheControl = new CacheControlHeaderValue { NoCache = true }; // revalidate: a new version shows at once
        context.Response.Headers.XContentTypeOptions = "nosniff";
        if (context.Request.GetTypedHeaders().IfNoneMatch.Any(t => t.Compare(asset.ETag, useStrongComparison: false)))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        if (file == "index.html")
        {
            context.Response.Headers.ContentSecurityPolicy =
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
        }

        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    private static Dictionary<string, Asset> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] content = copy.ToArray();
            string file = name[Prefix.Length..];
            string type = Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                ".png" => "image/png",
                _ => "application/octet-stream",
            };
            assets[file] = new Asset(content, type, new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\""));
        }

        return assets;
    }

    private sealed record Asset(byte[] Content, string ContentType, EntityTagHeaderValue ETag);
}
