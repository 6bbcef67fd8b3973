namespace Tollgate.Core.Accounts;

/// <summary>Names and defaults per provider kind, in one place.</summary>
public static class ProviderKinds
{
    public static string Name(ProviderKind kind) => kind switch
    {
        ProviderKind.OpenAI => "openai",
        ProviderKind.Anthropic => "anthropic",
        ProviderKind.AzureOpenAI => "azure-openai",
        _ => "openai-compatible",
    };

    public static bool TryParse(string? text, out ProviderKind kind)
    {
        foreach (var k in Enum.GetValues<ProviderKind>())
        {
            if (string.Equals(text, Name(k), StringComparison.OrdinalIgnoreCase))
            {
                kind = k;
                return true;
            }
        }

        kind = default;
        return false;
    }

    public static IEnumerable<string> Names => Enum.GetValues<ProviderKind>().Select(Name);

    public static string DefaultPool(ServiceKind service) => service == ServiceKind.Anthropic ? "anthropic" : "openai";

    public static string ServiceName(ServiceKind service) => DefaultPool(service);

    /// <summary>The provider a base URL most likely belongs to, when the user did not say.</summary>
    public static ProviderKind Guess(Uri baseUrl) => baseUrl.Host switch
    {
        "api.openai.com" => ProviderKind.OpenAI,
        "api.anthropic.com" => ProviderKind.Anthropic,
        var h when h.EndsWith(".openai.azure.com", StringComparison.OrdinalIgnoreCase)
            || h.EndsWith(".cognitiveservices.azure.com", StringComparison.OrdinalIgnoreCase) => ProviderKind.AzureOpenAI,
        _ => ProviderKind.OpenAICompatible,
    };

    /// <summary><see cref="Guess(Uri)"/> for a URL as typed; text that is no absolute URL guesses a compatible relay (validation names it later).</summary>
    public static ProviderKind Guess(string baseUrl) =>
        Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) ? Guess(uri) : ProviderKind.OpenAICompatible;
}
