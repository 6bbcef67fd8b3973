namespace Tollgate.Core.Configuration;

/// <summary>"Did you mean …?" for misspelt setting names, by edit distance (no fuzzy guessing beyond a few letters).</summary>
internal static class NameSuggestions
{
    /// <summary>Returns <c> (did you mean 'x'?)</c> for the closest known name within a few edits, else empty.</summary>
    public static string DidYouMean(string given, IReadOnlyList<string> known)
    {
        var best = known.Select(k => (k, d: Distance(given, k))).OrderBy(p => p.d).FirstOrDefault();
        return best.k is not null && best.d <= Math.Max(2, given.Length / 3) ? $" (did you mean '{best.k}'?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            }
        }

        return d[a.Length, b.Length];
    }
}
