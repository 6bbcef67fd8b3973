using System.Text.Json;
using System.Text.RegularExpressions;
using Tollgate.Core.Configuration;

namespace Tollgate.Core.BodyFilters;

/// <summary>The outcome of reading <c>filter.json</c>: the compiled rules, or errors that each name the rule and field.</summary>
public sealed record BodyFilterResult(BodyFilter? Filter, IReadOnlyList<string> Errors)
{
    public bool Ok => Filter is not null;
}

/// <summary>
/// Reads <c>filter.json</c>: a JSON array of rules
/// <c>{"op": "replace"|"remove", "source": "…", "target": "…", "regex": false}</c>
/// (comments and trailing commas allowed). A missing file means no rules. Any bad rule makes
/// the whole file invalid: applying some rules of a file the user is still editing would send
/// bodies nobody asked for.
/// </summary>
public static class BodyFilterFile
{
    private static readonly string[] Fields = ["op", "source", "target", "regex"];

    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static BodyFilterResult Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new BodyFilterResult(BodyFilter.None, []);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new BodyFilterResult(null, [$"{path}: cannot be read: {e.Message}"]);
        }

        return Parse(Path.GetFileName(path), bytes);
    }

    public static BodyFilterResult Parse(string name, ReadOnlySpan<byte> json)
    {
        if (json.StartsWith("\uFEFF"u8))
        {
            json = json[3..];
        }

        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            return new BodyFilterResult(BodyFilter.None, []);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), Options);
        }
        catch (JsonException e)
        {
            return new BodyFilterResult(null, [$"{name}: not valid JSON: {e.Message}"]);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return new BodyFilterResult(null, [$"{name}: must be a JSON array of rules ([{{\"op\": \"replace\", \"source\": \"…\", \"target\": \"…\"}}]), got {Kind(document.RootElement)}"]);
            }

            var errors = new List<string>();
            var rules = new List<FilterRule>();
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                index++;
                if (ReadRule($"{name}: rule {index}", element, errors) is { } rule)
                {
                    rules.Add(rule);
                }
            }

            return errors.Count > 0 ? new BodyFilterResult(null, errors) : new BodyFilterResult(new BodyFilter(rules), []);
        }
    }

    private static FilterRule? ReadRule(string where, JsonElement element, List<string> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{where}: must be an object, got {Kind(element)}");
            return null;
        }

        var before = errors.Count;
        foreach (var property in element.EnumerateObject())
        {
            if (!Fields.Contains(property.Name))
            {
                errors.Add($"{where}: unknown field '{property.Name}'{NameSuggestions.DidYouMean(property.Name, Fields)}");
            }
        }

        var op = String(where, element, "op", errors) switch
        {
            null => (FilterOp?)null,
            "replace" => FilterOp.Replace,
            "remove" => FilterOp.Remove,
            var other => Fail(errors, $"{where}: op must be \"replace\" or \"remove\", got \"{other}\""),
        };
        var source = String(where, element, "source", errors);
        if (source is { Length: 0 })
        {
            errors.Add($"{where}: source must not be empty");
        }

        var isRegex = false;
        if (element.TryGetProperty("regex", out var regex))
        {
            if (regex.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                errors.Add($"{where}: regex must be true or false, got {Kind(regex)}");
            }
            else
            {
                isRegex = regex.GetBoolean();
            }
        }

        string? target = null;
        if (element.TryGetProperty("target", out _))
        {
            target = String(where, element, "target", errors);
            if (op == FilterOp.Remove)
            {
                errors.Add($"{where}: a \"remove\" rule takes no target (use \"replace\" to put something in its place)");
            }
        }
        else if (op == FilterOp.Replace)
        {
            errors.Add($"{where}: a \"replace\" rule needs a target (a string; \"\" removes)");
        }

        if (isRegex && source is { Length: > 0 })
        {
            try
            {
                _ = new Regex(source, RegexOptions.CultureInvariant, BodyFilter.RegexTimeout);
            }
            catch (ArgumentException e)
            {
                errors.Add($"{where}: source is not a valid regular expression: {e.Message}");
            }
        }

        return errors.Count > before || op is null || source is null ? null : new FilterRule(op.Value, source, target ?? "", isRegex);
    }

    /// <summary>A required string field; null (with an error) when it is missing or not a string.</summary>
    private static string? String(string where, JsonElement element, string field, List<string> errors)
    {
        if (!element.TryGetProperty(field, out var value))
        {
            errors.Add($"{where}: missing \"{field}\"");
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add($"{where}: {field} must be a string, got {Kind(value)}");
            return null;
        }

        return value.GetString();
    }

    private static FilterOp? Fail(List<string> errors, string error)
    {
        errors.Add(error);
        return null;
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        _ => "null",
    };
}
