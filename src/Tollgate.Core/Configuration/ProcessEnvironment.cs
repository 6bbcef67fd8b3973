using System.Collections;

namespace Tollgate.Core.Configuration;

/// <summary>The process's environment variables as a dictionary, for the config loader.</summary>
public static class ProcessEnvironment
{
    public static IReadOnlyDictionary<string, string> Snapshot()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            result[(string)e.Key] = (string?)e.Value ?? "";
        }

        return result;
    }
}
