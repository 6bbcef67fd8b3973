using System.Text.Json;
using Tollgate.Core.Json;
using Tollgate.Core.Providers.Anthropic;
using Tollgate.Core.Providers.OpenAI;

namespace Tollgate.Core.Usage;

/// <summary>
/// Usage tap for a non-streamed JSON response of any supported API. The body streams through
/// a <see cref="JsonTopLevelScanner"/>, so an embeddings answer of many megabytes is never held.
/// </summary>
public sealed class JsonBodyTap : IUsageTap
{
    private static readonly string[] Wanted = ["usage", "model", "id", "service_tier", "error", "type"];
    private readonly ApiKind _api;
    private readonly JsonTopLevelScanner _scanner = new(Wanted);

    public JsonBodyTap(ApiKind api) => _api = api;

    public void Observe(ReadOnlySpan<byte> chunk) => _scanner.Feed(chunk);

    public CallUsage Complete(bool bodyComplete)
    {
        var result = new CallUsage();
        var values = _scanner.Values;
        result.Model = Text(values, "model");
        result.ResponseId = Text(values, "id");
        result.ServiceTier = Text(values, "service_tier");
        if (values.TryGetValue("error", out var error))
        {
            result.ErrorType = _api is ApiKind.AnthropicMessages or ApiKind.AnthropicCountTokens
                ? error.RootElement.GetString("type") ?? error.RootElement.GetString("message")
                : OpenAIUsage.ReadErrorType(error.RootElement);
        }

        if (values.TryGetValue("usage", out var usage))
        {
            if (_api is ApiKind.AnthropicMessages)
            {
                var anthropic = new AnthropicUsage();
                anthropic.Apply(usage.RootElement);
                result.Usage = anthropic.ToTokenUsage();
            }
            else
            {
                result.Usage = OpenAIUsage.Read(usage.RootElement);
            }
        }

        result.Final = _scanner.Finished && bodyComplete;
        result.Malformed = _scanner.Failed || (bodyComplete && !_scanner.Finished);
        return result;
    }

    public void Dispose() => _scanner.Dispose();

    private static string? Text(IReadOnlyDictionary<string, JsonDocument> values, string name) =>
        values.TryGetValue(name, out var doc) && doc.RootElement.ValueKind == JsonValueKind.String ? doc.RootElement.GetString() : null;
}
