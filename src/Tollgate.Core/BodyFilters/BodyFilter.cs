using System.Text;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace Tollgate.Core.BodyFilters;

/// <summary>What a rule does with each occurrence of its source.</summary>
public enum FilterOp
{
    Replace,
    Remove,
}

/// <summary>One rule of <c>filter.json</c>: every occurrence of <see cref="Source"/> (text, or a regular expression) becomes <see cref="Target"/>, or nothing.</summary>
public sealed record FilterRule(FilterOp Op, string Source, string Target, bool IsRegex);

/// <summary>
/// The rules of <c>filter.json</c>, compiled, applied in order to a request body's text before it
/// goes upstream. The text is the body as sent — JSON text, so a quote inside a string is
/// <c>\"</c> — which keeps every rule's effect predictable and the body otherwise untouched.
/// </summary>
public sealed class BodyFilter
{
    /// <summary>A regular expression gets this long per body; a rule that runs out is skipped for that body.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly (FilterRule Rule, Regex? Regex)[] _rules;

    public BodyFilter(IReadOnlyList<FilterRule> rules)
    {
        Rules = rules;
        _rules = rules.Select(r => (r, r.IsRegex ? new Regex(r.Source, RegexOptions.CultureInvariant, RegexTimeout) : null)).ToArray();
    }

    public static BodyFilter None { get; } = new([]);

    public IReadOnlyList<FilterRule> Rules { get; }

    public bool IsEmpty => _rules.Length == 0;

    /// <summary>
    /// The body with every rule applied, or null when no rule changed it or the body is not UTF-8
    /// text (which passes unfiltered). <paramref name="timedOut"/> counts rules abandoned on this body.
    /// </summary>
    public byte[]? Apply(ReadOnlySpan<byte> body, out int timedOut)
    {
        timedOut = 0;
        if (_rules.Length == 0 || !Utf8.IsValid(body))
        {
            return null;
        }

        var original = StrictUtf8.GetString(body);
        var text = original;
        foreach (var (rule, regex) in _rules)
        {
            var target = rule.Op == FilterOp.Remove ? "" : rule.Target;
            if (regex is null)
            {
                text = text.Replace(rule.Source, target, StringComparison.Ordinal);
                continue;
            }

            try
            {
                text = regex.Replace(text, target);
            }
            catch (RegexMatchTimeoutException)
            {
                timedOut++;
            }
        }

        return text == original ? null : StrictUtf8.GetBytes(text); // == looks at the reference first: no rule matched, no copy was made
    }
}
