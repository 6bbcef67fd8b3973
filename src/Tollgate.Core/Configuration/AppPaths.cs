namespace Tollgate.Core.Configuration;

/// <summary>
/// Every path Tollgate reads or writes, decided once from the environment. The only code that
/// looks at the home folder, the XDG variables, <c>TOLLGATE_CONFIG</c>, <c>TOLLGATE_DATA_DIR</c>
/// <c>CODEX_HOME</c> and <c>CLAUDE_CONFIG_DIR</c>.
/// </summary>
public sealed class AppPaths
{
    public AppPaths(Func<string, string?> environment, string? configOverride = null, string? dataDirOverride = null)
    {
        var home = Env(environment, "HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var configHome = Env(environment, "XDG_CONFIG_HOME") ?? Path.Combine(home, ".config");
        var dataHome = Env(environment, "XDG_DATA_HOME") ?? Path.Combine(home, ".local", "share");

        var explicitConfig = configOverride ?? Env(environment, "TOLLGATE_CONFIG");
        ConfigFile = Path.GetFullPath(explicitConfig ?? Path.Combine(configHome, "tollgate", "tollgate.toml"));
        ConfigFileIsExplicit = explicitConfig is not null;
        DataDir = Path.GetFullPath(dataDirOverride ?? Env(environment, "TOLLGATE_DATA_DIR") ?? Path.Combine(dataHome, "tollgate"));
        CodexHome = Path.GetFullPath(Env(environment, "CODEX_HOME") ?? Path.Combine(home, ".codex"));
        ClaudeConfigDir = Path.GetFullPath(Env(environment, "CLAUDE_CONFIG_DIR") ?? Path.Combine(home, ".claude"));
    }

    /// <summary>The config file; it need not exist unless <see cref="ConfigFileIsExplicit"/>.</summary>
    public string ConfigFile { get; }

    /// <summary>True when the user named the config file (<c>--config</c> or <c>TOLLGATE_CONFIG</c>): then it must exist.</summary>
    public bool ConfigFileIsExplicit { get; }
    public string DataDir { get; }
    public string DatabasePath => Path.Combine(DataDir, "tollgate.db");
    public string VaultKeyPath => Path.Combine(DataDir, "vault.key");
    public string LogsDir => Path.Combine(DataDir, "logs");
    public string RequestLogPath => Path.Combine(LogsDir, "requests.jsonl");
    public string CodexHome { get; }

    /// <summary><c>filter.json</c> beside the config file: rules applied to request bodies before they go upstream.</summary>
    public string FilterFile => Path.Combine(Path.GetDirectoryName(ConfigFile)!, "filter.json");

    /// <summary>Claude Code's config folder (its <c>settings.json</c>): <c>CLAUDE_CONFIG_DIR</c>, else <c>~/.claude</c>.</summary>
    public string ClaudeConfigDir { get; }

    public static AppPaths FromProcess(string? configOverride = null) => new(Environment.GetEnvironmentVariable, configOverride);

    private static string? Env(Func<string, string?> environment, string name) =>
        environment(name) is { Length: > 0 } v ? v : null;
}
