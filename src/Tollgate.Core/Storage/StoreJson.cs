using System.Text.Json.Serialization;
using Tollgate.Core.RateLimits;

namespace Tollgate.Core.Storage;

/// <summary>Source-generated JSON for what the store keeps as JSON text.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RateLimitSnapshot))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(CodexLogs.RolloutState))]
[JsonSerializable(typeof(CodexLogs.RolloutSummary))]
[JsonSerializable(typeof(Pricing.ModelPrice))]
internal sealed partial class StoreJson : JsonSerializerContext;
