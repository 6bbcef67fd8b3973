using System.Text.Json;

namespace Tollgate.Core.Json;

/// <summary>Cheap looks into JSON payloads on the metering path, before a full parse is worth it.</summary>
public static class JsonPeek
{
    /// <summary>
    /// Returns the top-level <c>"type"</c> string of an object, reading as little as possible:
    /// OpenAI and Anthropic put <c>type</c> first, so deltas cost a few dozen bytes.
    /// </summary>
    public static bool TryGetTopLevelType(ReadOnlySpan<byte> json, out ReadOnlySpan<byte> type)
    {
        type = default;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if (isType && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
                {
                    type = reader.ValueSpan;
                    return true;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    public static string? GetString(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static long? GetLong(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    public static JsonElement? GetObject(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;
}
