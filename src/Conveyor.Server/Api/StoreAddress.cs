namespace Conveyor.Server.Api;

/// <summary>A Redis configuration for display: the address without options, passwords in particular.</summary>
internal static class StoreAddress
{
    public static string Display(string configuration)
    {
        if (configuration.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(configuration, UriKind.Absolute, out var uri))
        {
            return $"{uri.Host}:{(uri.Port > 0 ? uri.Port : 6379)}";
        }

        return configuration.Split(',')[0];
    }
}
