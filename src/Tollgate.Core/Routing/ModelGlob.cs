namespace Tollgate.Core.Routing;

/// <summary>Model scoping: <c>*</c> matches any run of characters, <c>?</c> one; case-insensitive; an empty list allows every model.</summary>
public static class ModelGlob
{
    public static bool AllowsAny(IReadOnlyList<string> globs, string? model)
    {
        if (globs.Count == 0)
        {
            return true;
        }

        if (model is null)
        {
            return false; // a scoped account serves only requests that name a model it allows
        }

        for (var i = 0; i < globs.Count; i++)
        {
            if (Matches(globs[i], model))
            {
                return true;
            }
        }

        return false;
    }

    public static bool Matches(ReadOnlySpan<char> glob, ReadOnlySpan<char> text)
    {
        // Iterative wildcard match with one backtrack point: linear in practice, no allocation.
        int g = 0, t = 0, starG = -1, starT = 0;
        while (t < text.Length)
        {
            if (g < glob.Length && (glob[g] == '?' || char.ToLowerInvariant(glob[g]) == char.ToLowerInvariant(text[t])))
            {
                g++;
                t++;
            }
            else if (g < glob.Length && glob[g] == '*')
            {
                starG = g++;
                starT = t;
            }
            else if (starG >= 0)
            {
                g = starG + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (g < glob.Length && glob[g] == '*')
        {
            g++;
        }

        return g == glob.Length;
    }
}
