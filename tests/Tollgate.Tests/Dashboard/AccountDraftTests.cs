namespace Tollgate.Tests.Dashboard;

public sealed class AccountDraftTests
{
    [Fact]
    public void ToAccount_StoresTheKeyInTheVaultAndGuessesTheProvider()
    {
        var draft = new Tollgate.Dashboard.Components.AccountDraft { Name = " team ", BaseUrl = "https://api.anthropic.com", Key = "sk-ant-x", Models = "claude-*, ", MonthlyUsd = 50 };

        var (account, error) = draft.ToAccount(Guid.NewGuid());

        Assert.Null(error);
        Assert.Equal("team", account!.Name);
        Assert.Equal(Core.Accounts.CredentialKind.Vault, account.Credential);
        Assert.Equal(Core.Accounts.ProviderKinds.Guess(new Uri("https://api.anthropic.com")), account.Provider);
        Assert.Equal(["claude-*"], account.Models);
        Assert.Equal(50m, account.Limits.MonthlyUsd);
    }

    [Theory]
    [InlineData("", "https://api.openai.com/v1", "k", "Give the account a name")]
    [InlineData("a", "ftp://x", "k", "The base URL must be")]
    [InlineData("a", "https://api.openai.com/v1", " ", "Paste the API key")]
    public void ToAccount_Incomplete_SaysWhat(string name, string url, string key, string expected)
    {
        var (account, error) = new Tollgate.Dashboard.Components.AccountDraft { Name = name, BaseUrl = url, Key = key }.ToAccount(Guid.NewGuid());

        Assert.Null(account);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}
