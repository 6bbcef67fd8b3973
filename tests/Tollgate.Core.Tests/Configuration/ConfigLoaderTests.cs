using Tollgate.Core.Configuration;

namespace Tollgate.Core.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    [Fact]
    public void Parse_FullFile_AllFieldsBound()
    {
        var result = ConfigLoader.Parse("tollgate.toml", """
            # a comment
            [server]
            host = "127.0.0.1"
            port = 9000
            max_request_body_mb = 128
            idle_timeout_seconds = 60
            dashboard = false

            [upstreams]
            openai = "http://127.0.0.1:1234/v1/"

            [logging]
            level = "Warning"
            request_log_files = 2

            [pricing.models."gpt-6.1-sol"]
            input = 4
            output = 20.5

            [pricing.aliases]
            "my-model" = "gpt-5"
            """);

        Assert.True(result.Ok, string.Join("; ", result.Errors));
        var config = result.Config!;
        Assert.Equal(9000, config.Server.Port);
        Assert.Equal(128L * 1024 * 1024, config.Server.MaxRequestBodyBytes);
        Assert.Equal(TimeSpan.FromSeconds(60), config.Server.IdleTimeout);
        Assert.False(config.Server.Dashboard);
        Assert.True(new ServerConfig().Dashboard); // on unless turned off
        Assert.Equal("http://127.0.0.1:1234/v1", config.Upstreams.OpenAI);
        Assert.Equal("warning", config.Logging.Level);
        Assert.Equal(20.5m, config.Pricing.Models["gpt-6.1-sol"].Output);
        Assert.Equal(4m, config.Pricing.Models["gpt-6.1-sol"].CachedInput); // defaults to the input rate
        Assert.Equal("gpt-5", config.Pricing.Aliases["my-model"]);
    }

    [Theory]
    [InlineData("[servr]\nport = 1", "unknown section 'servr' (did you mean 'server'?)")]
    [InlineData("[server]\nprot = 1", "unknown key 'server.prot' (did you mean 'server.port'?)")]
    [InlineData("[server]\nport = \"eighty\"", "server.port must be an integer from 0 to 65535, got \"eighty\"")]
    [InlineData("[server]\nport = 70000", "server.port must be an integer from 0 to 65535, got 70000")]
    [InlineData("[upstreams]\nopenai = \"ftp://x\"", "upstreams.openai must be an absolute http(s) URL")]
    [InlineData("[pricing.models.x]\ninput = 1", "pricing.models.\"x\".output is required")]
    [InlineData("[pricing.models.x]\ninput = -1\noutput = 1", "must be a non-negative number")]
    [InlineData("[server\nport = 1", "not valid TOML")]
    [InlineData("[server]\ndashboard = \"no\"", "server.dashboard must be true or false")]
    public void Parse_BadField_ErrorNamesIt(string toml, string expected)
    {
        var result = ConfigLoader.Parse("tollgate.toml", toml);

        Assert.False(result.Ok);
        Assert.Contains(result.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_EnvironmentOverridesFile_AndUnknownVariableIsAnError()
    {
        var dir = Directory.CreateTempSubdirectory("tollgate-config-");
        try
        {
            var file = Path.Combine(dir.FullName, "t.toml");
            File.WriteAllText(file, "[server]\nport = 9000\n");
            var paths = new AppPaths(_ => null, configOverride: file, dataDirOverride: dir.FullName);

            var ok = ConfigLoader.Load(paths, new Dictionary<string, string> { ["TOLLGATE_SERVER__PORT"] = "9100", ["TOLLGATE_DATA_DIR"] = "/ignored" });
            Assert.True(ok.Ok);
            Assert.Equal(9100, ok.Config!.Server.Port);

            Assert.Null(ok.Config.Logging.BodyLog); // off by default

            File.WriteAllText(file, "[logging]\nbody_log = \"bodies.jsonl\"\n");
            Assert.Equal("bodies.jsonl", ConfigLoader.Load(paths, new Dictionary<string, string>()).Config!.Logging.BodyLog);
            var env = ConfigLoader.Load(paths, new Dictionary<string, string> { ["TOLLGATE_LOG_BODIES"] = "debug/b.jsonl" });
            Assert.Equal(Path.GetFullPath("debug/b.jsonl"), env.Config!.Logging.BodyLog); // relative to where the shell was

            var bad = ConfigLoader.Load(paths, new Dictionary<string, string> { ["TOLLGATE_SERVER__PORTT"] = "1" });
            Assert.Contains(bad.Errors, e => e.Contains("TOLLGATE_SERVER__PORTT names no setting (did you mean 'server.port'?)", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Load_ExplicitConfigMissing_Error()
    {
        var paths = new AppPaths(_ => null, configOverride: "/nonexistent/tollgate.toml");

        var result = ConfigLoader.Load(paths, new Dictionary<string, string>());

        Assert.Contains(result.Errors, e => e.Contains("does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void AppPaths_XdgAndOverrides()
    {
        var env = new Dictionary<string, string?> { ["HOME"] = "/home/u", ["XDG_DATA_HOME"] = "/data", ["CODEX_HOME"] = "/codex" };
        var paths = new AppPaths(n => env.GetValueOrDefault(n));

        Assert.Equal("/home/u/.config/tollgate/tollgate.toml", paths.ConfigFile);
        Assert.False(paths.ConfigFileIsExplicit);
        Assert.Equal("/data/tollgate/tollgate.db", paths.DatabasePath);
        Assert.Equal("/data/tollgate/logs/requests.jsonl", paths.RequestLogPath);
        Assert.Equal("/codex", paths.CodexHome);
    }
}
