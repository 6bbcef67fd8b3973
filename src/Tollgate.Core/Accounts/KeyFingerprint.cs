namespace Tollgate.Core.Accounts;

/// <summary>A display form of a key: its public prefix and last four characters (<c>sk-proj-…a1b2</c>).</summary>
public static class KeyFingerprint
{
    public static string Of(string key)
    {
        key = key.Trim();
        if (key.Length < 16)
        {
            return "…"; // too short to show any part of it safely
        }

        // The prefix up to the last dash within the first 12 characters ("sk-", "sk-proj-", "sk-ant-api03-" is cut to "sk-ant-").
        var head = key.AsSpan(0, 12);
        var dash = head.LastIndexOf('-');
        var prefix = dash > 0 ? key[..(dash + 1)] : "";
        return $"{prefix}…{key[^4..]}";
    }
}
