using Tollgate.Core.Accounts;

namespace Tollgate.Dashboard.Components;

/// <summary>
/// An account being added on the Accounts page: the fields a person fills in, checked the way
/// <c>tollgate accounts add</c> checks its flags, then stored through the same <see cref="AccountService"/>.
/// </summary>
public sealed class AccountDraft
{
    public string Name { get; set; } = "";
    public string BaseUrl { get; set; } = "https://api.openai.com/v1";
    public string? Key { get; set; }
    public string? Models { get; set; }
    public decimal? DailyUsd { get; set; }
    public decimal? MonthlyUsd { get; set; }

    /// <summary>The account to store (the key goes beside it, into the vault), or null and what is wrong.</summary>
    public (Account? Account, string? Error) ToAccount(Guid id)
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            return (null, "Give the account a name");
        }

        if (!Uri.TryCreate(BaseUrl.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return (null, "The base URL must be an absolute http(s) URL, such as https://api.openai.com/v1");
        }

        if (string.IsNullOrWhiteSpace(Key))
        {
            return (null, "Paste the API key: it goes into the vault and is never shown again");
        }

        if (DailyUsd is < 0 || MonthlyUsd is < 0)
        {
            return (null, "Limits cannot be negative");
        }

        return (new Account
        {
            Id = id,
            Name = Name.Trim(),
            Provider = ProviderKinds.Guess(url),
            BaseUrl = BaseUrl.Trim(),
            Credential = CredentialKind.Vault,
            Models = (Models ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Limits = new AccountLimits(DailyUsd: DailyUsd, MonthlyUsd: MonthlyUsd),
        }, null);
    }
}
