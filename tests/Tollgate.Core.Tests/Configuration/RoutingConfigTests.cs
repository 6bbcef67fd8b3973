using Tollgate.Core.Accounts;
using Tollgate.Core.Configuration;
using Tollgate.Core.Routing;

namespace Tollgate.Core.Tests.Configuration;

/// <summary><c>[routing]</c>, <c>[pools.NAME]</c> and <c>[[accounts]]</c> in the config file.</summary>
public sealed class RoutingConfigTests
{
    [Fact]
    public void Parse_RoutingPoolsAndAccounts()
    {
        var result = ConfigLoader.Parse("tollgate.toml", """
            [routing]
            strategy = "priority"
            on_exhausted = "stop"
            max_attempts = 4
            affinity_ttl_minutes = 90
            limits_timezone = "UTC"

            [pools.team]
            strategy = "weighted"

            [[accounts]]
            name = "work"
            base_url = "https://api.openai.com/v1/"
            key_env = "WORK_OPENAI_KEY"
            models = ["gpt-5*"]
            priority = 5
            daily_usd = 20
            pool = "team"

            [[accounts]]
            name = "claude"
            provider = "anthropic"
            base_url = "https://api.anthropic.com/v1"
            key_env = "ANTHROPIC_KEY"
            """);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var config = result.Config!;
        Assert.Equal(RoutingStrategy.Priority, config.Routing.DefaultPool.Strategy);
        Assert.Equal(ExhaustedBehavior.Stop, config.Routing.Pool("openai").OnExhausted);
        var team = config.Routing.Pool("team");
        Assert.Equal(RoutingStrategy.Weighted, team.Strategy);
        Assert.Equal(4, team.MaxAttempts); // the rest comes from [routing]
        Assert.Equal(TimeSpan.FromMinutes(90), config.Routing.AffinityTtl);
        Assert.Equal(TimeZoneInfo.Utc.Id, config.Routing.LimitsTimeZone.Id);

        var work = config.Accounts[0];
        Assert.Equal(("work", ProviderKind.OpenAI, "https://api.openai.com/v1", "WORK_OPENAI_KEY", "team", 20m, "config"),
            (work.Name, work.Provider, work.BaseUrl, work.CredentialEnv, work.PoolName, work.Limits.DailyUsd, work.Origin));
        Assert.Equal(CredentialKind.Environment, work.Credential);
        Assert.Equal(ConfigLoader.ConfigAccountId("WORK"), work.Id); // stable across reloads
        var claude = config.Accounts[1];
        Assert.Equal(("https://api.anthropic.com", "anthropic"), (claude.BaseUrl, claude.PoolName));
    }

    [Fact]
    public void Parse_QuotaProviders()
    {
        var result = ConfigLoader.Parse("tollgate.toml", """
            [[quota_providers]]
            kind = "budget_http_json"
            url = "https://relay.example/api/budget"
            match_domain = "relay.example"
            token_env = "RELAY_TOKEN"
            spent_field = "data.used"
            interval_seconds = 120

            [[quota_providers]]
            kind = "openai_costs"
            accounts = ["main"]
            admin_key_env = "OPENAI_ADMIN_KEY"
            monthly_budget_usd = 250
            """);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var budget = Assert.IsType<Quotas.BudgetHttpJsonProvider>(result.Config!.QuotaProviders[0]);
        Assert.Equal(("relay.example", "RELAY_TOKEN", "data.used", "budget", TimeSpan.FromMinutes(2)), (budget.MatchDomain, budget.TokenEnv, budget.SpentField, budget.BudgetField, budget.Interval));
        var costs = Assert.IsType<Quotas.OpenAICostsProvider>(result.Config.QuotaProviders[1]);
        Assert.Equal(250m, costs.MonthlyBudgetUsd);
        Assert.True(costs.Covers(new Account { Id = Guid.NewGuid(), Name = "MAIN", Provider = ProviderKind.OpenAI, BaseUrl = "https://api.openai.com/v1" }));
    }

    [Theory]
    [InlineData("[[quota_providers]]\nkind = \"magic\"", "kind must be budget_http_json or openai_costs")]
    [InlineData("[[quota_providers]]\nkind = \"openai_costs\"\naccounts = [\"a\"]\nadmin_key_env = \"K\"", "monthly_budget_usd must be a positive number")]
    [InlineData("[[quota_providers]]\nkind = \"budget_http_json\"\nurl = \"https://x/b\"\nmatch_domain = \"x\"\ntoken = \"abc\"", "unknown key 'token' in quota_providers #1 (budget_http_json)")]
    public void Parse_BadQuotaProvider_ErrorNamesIt(string toml, string expected)
    {
        var result = ConfigLoader.Parse("tollgate.toml", toml);
        Assert.Contains(result.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[routing]\nstrategy = \"fastest\"", "routing.strategy must be one of least-utilized, round-robin, priority, weighted")]
    [InlineData("[pools.team]\nstrategi = \"priority\"", "unknown key 'pools.team.strategi' (did you mean 'strategy'?)")]
    [InlineData("[[accounts]]\nname = \"a\"\nbase_url = \"https://x.example/v1\"", "key_env is required (keys are never written in the config file")]
    [InlineData("[[accounts]]\nname = \"a\"\nbase_url = \"https://x.example/v1\"\nkey_env = \"K\"\nkey = \"sk-x\"", "unknown key 'key' in accounts 'a'")]
    [InlineData("[[accounts]]\nname = \"a\"\nbase_url = \"ftp://x\"\nkey_env = \"K\"", "accounts 'a': base_url 'ftp://x' must be an absolute http(s) URL")]
    [InlineData("[[accounts]]\nname = \"a\"\nbase_url = \"https://x/v1\"\nkey_env = \"K\"\n[[accounts]]\nname = \"A\"\nbase_url = \"https://y/v1\"\nkey_env = \"K\"", "the name is used by another [[accounts]] entry")]
    public void Parse_BadRoutingOrAccount_ErrorNamesIt(string toml, string expected)
    {
        var result = ConfigLoader.Parse("tollgate.toml", toml);
        Assert.False(result.Ok);
        Assert.Contains(result.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Environment_OverridesRouting()
    {
        var dir = Directory.CreateTempSubdirectory("tollgate-cfg-");
        try
        {
            var paths = new AppPaths(n => n == "XDG_CONFIG_HOME" ? dir.FullName : null);
            var result = ConfigLoader.Load(paths, new Dictionary<string, string> { ["TOLLGATE_ROUTING__STRATEGY"] = "round-robin" });
            Assert.True(result.Ok, string.Join("\n", result.Errors));
            Assert.Equal(RoutingStrategy.RoundRobin, result.Config!.Routing.Pool("openai").Strategy);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void CodexHomes_FromTheFileOrTheEnvironment()
    {
        var file = ConfigLoader.Parse("tollgate.toml", "[codex]\nhomes = [\"/srv/codex-a\", \"~/codex-b\"]");
        Assert.True(file.Ok, string.Join("\n", file.Errors));
        Assert.Equal("/srv/codex-a", file.Config!.CodexHomes[0]);
        Assert.EndsWith("/codex-b", file.Config.CodexHomes[1]);
        Assert.DoesNotContain("~", file.Config.CodexHomes[1]);

        var dir = Directory.CreateTempSubdirectory("tollgate-cfg-");
        try
        {
            var env = ConfigLoader.Load(new AppPaths(n => n == "XDG_CONFIG_HOME" ? dir.FullName : null), new Dictionary<string, string> { ["TOLLGATE_CODEX__HOMES"] = "/x:/y" });
            Assert.Equal(["/x", "/y"], env.Config!.CodexHomes);
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        Assert.False(ConfigLoader.Parse("tollgate.toml", "[codex]\nhomes = 3").Ok);
    }
}
