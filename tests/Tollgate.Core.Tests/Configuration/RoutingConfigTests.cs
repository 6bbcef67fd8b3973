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
}
