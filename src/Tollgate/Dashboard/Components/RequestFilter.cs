using Tollgate.Core.Usage;

namespace Tollgate.Dashboard.Components;

/// <summary>
/// What the Requests page shows: free text over model, account, path and session (any word
/// may match, case ignored), and ok or failed calls only.
/// </summary>
public sealed record RequestFilter(string? Text = null, bool? Failed = null)
{
    public bool Matches(UsageRecord record)
    {
        if (Failed is { } failed && failed == (record.Outcome == CallOutcome.Success))
        {
            return false;
        }

        if (string.IsNullOrWhiteSpace(Text))
        {
            return true;
        }

        string?[] fields = [record.Model, record.Account, record.Endpoint, record.SessionId, record.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        return Text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .All(word => fields.Any(f => f?.Contains(word, StringComparison.OrdinalIgnoreCase) == true));
    }
}
