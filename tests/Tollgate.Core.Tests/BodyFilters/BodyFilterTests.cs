using System.Text;
using Tollgate.Core.BodyFilters;

namespace Tollgate.Core.Tests.BodyFilters;

/// <summary>filter.json: how rules read, what they do to a body, and every way a rule can be wrong.</summary>
public sealed class BodyFilterTests
{
    private static BodyFilter Load(string json)
    {
        var result = BodyFilterFile.Parse("filter.json", Encoding.UTF8.GetBytes(json));
        Assert.True(result.Ok, string.Join("; ", result.Errors));
        return result.Filter!;
    }

    private static string? Apply(BodyFilter filter, string body) =>
        filter.Apply(Encoding.UTF8.GetBytes(body), out _) is { } changed ? Encoding.UTF8.GetString(changed) : null;

    [Fact]
    public void Apply_RulesInOrder_TextAndRegexWithGroups()
    {
        var filter = Load("""
            // comments and trailing commas are fine: people edit this by hand
            [
              { "op": "replace", "source": "gpt-5.1-codex", "target": "gpt-5.2-codex" },
              { "op": "remove", "source": ",\"store\":false" },
              /* a regular expression with a group */
              { "op": "replace", "source": "\"effort\":\"(\\w+)\"", "target": "\"effort\":\"low\",\"was\":\"$1\"", "regex": true },
              { "op": "replace", "source": "gpt-5.2-codex", "target": "gpt-5.2-codex-mini" },
            ]
            """);

        Assert.Equal(4, filter.Rules.Count);
        Assert.Equal(
            """{"model":"gpt-5.2-codex-mini","reasoning":{"effort":"low","was":"high"},"input":"héllo ✓"}""",
            Apply(filter, """{"model":"gpt-5.1-codex","store":false,"reasoning":{"effort":"high"},"input":"héllo ✓"}"""));
    }

    [Fact]
    public void Apply_NothingMatches_NullSoTheOriginalBytesGoOn()
    {
        var filter = Load("""[{ "op": "remove", "source": "secret-project" }]""");
        Assert.Null(Apply(filter, """{"model":"gpt-5"}"""));
        Assert.Null(BodyFilter.None.Apply("x"u8, out _));
    }

    [Fact]
    public void Apply_BodyNotUtf8_PassesUnfiltered()
    {
        var filter = Load("""[{ "op": "remove", "source": "abc" }]""");
        byte[] body = [(byte)'a', (byte)'b', (byte)'c', 0xFF, 0xFE, (byte)'a', (byte)'b', (byte)'c'];
        Assert.Null(filter.Apply(body, out _));
    }

    [Fact]
    public void Apply_RegexRunsOutOfTime_RuleSkippedOthersApplied()
    {
        var filter = Load("""
            [
              { "op": "replace", "source": "(a+)+$", "target": "x", "regex": true },
              { "op": "replace", "source": "!", "target": "?" }
            ]
            """);
        var body = new string('a', 40) + "!";
        var changed = filter.Apply(Encoding.UTF8.GetBytes(body), out var timedOut);
        Assert.Equal(1, timedOut);
        Assert.Equal(new string('a', 40) + "?", Encoding.UTF8.GetString(changed!));
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("  \n", 0)]
    [InlineData("[]", 0)]
    [InlineData("\uFEFF[{\"op\":\"remove\",\"source\":\"x\"}]", 1)]
    public void Parse_EmptyOrBom_Accepted(string json, int rules) =>
        Assert.Equal(rules, Load(json).Rules.Count);

    [Fact]
    public void Load_MissingFile_NoRules()
    {
        var result = BodyFilterFile.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "filter.json"));
        Assert.True(result.Ok);
        Assert.True(result.Filter!.IsEmpty);
    }

    [Theory]
    [InlineData("[{\"op\":\"replace\",", "not valid JSON")]
    [InlineData("{\"rules\":[]}", "must be a JSON array of rules")]
    [InlineData("[\"remove secrets\"]", "rule 1: must be an object, got a string")]
    [InlineData("[{\"op\":\"remove\",\"source\":\"a\"},{\"op\":\"rename\",\"source\":\"a\",\"target\":\"b\"}]", "rule 2: op must be \"replace\" or \"remove\", got \"rename\"")]
    [InlineData("[{\"op\":\"remove\",\"sorce\":\"a\"}]", "rule 1: unknown field 'sorce' (did you mean 'source'?)")]
    [InlineData("[{\"op\":\"remove\"}]", "rule 1: missing \"source\"")]
    [InlineData("[{\"source\":\"a\"}]", "rule 1: missing \"op\"")]
    [InlineData("[{\"op\":\"remove\",\"source\":\"\"}]", "rule 1: source must not be empty")]
    [InlineData("[{\"op\":\"remove\",\"source\":7}]", "rule 1: source must be a string, got the number 7")]
    [InlineData("[{\"op\":\"replace\",\"source\":\"a\"}]", "rule 1: a \"replace\" rule needs a target")]
    [InlineData("[{\"op\":\"remove\",\"source\":\"a\",\"target\":\"b\"}]", "rule 1: a \"remove\" rule takes no target")]
    [InlineData("[{\"op\":\"remove\",\"source\":\"(unclosed\",\"regex\":true}]", "rule 1: source is not a valid regular expression")]
    [InlineData("[{\"op\":\"remove\",\"source\":\"a\",\"regex\":\"yes\"}]", "rule 1: regex must be true or false, got a string")]
    public void Parse_BadFile_RefusedWithTheRuleAndField(string json, string expected)
    {
        var result = BodyFilterFile.Parse("filter.json", Encoding.UTF8.GetBytes(json));
        Assert.False(result.Ok);
        Assert.Contains(result.Errors, e => e.StartsWith("filter.json: ", StringComparison.Ordinal) && e.Contains(expected, StringComparison.Ordinal));
    }
}
