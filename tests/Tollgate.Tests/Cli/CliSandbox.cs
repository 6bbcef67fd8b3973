namespace Tollgate.Tests.Cli;

/// <summary>A throwaway user for CLI tests: HOME, Tollgate's data dir, CODEX_HOME and CLAUDE_CONFIG_DIR all inside one temporary folder, deleted at the end.</summary>
internal sealed class CliSandbox : IDisposable
{
    public DirectoryInfo Dir { get; } = Directory.CreateTempSubdirectory("tollgate-cli-");

    public string CodexHome => Path.Combine(Dir.FullName, "codex");

    public string ClaudeDir => Path.Combine(Dir.FullName, "claude");

    public Dictionary<string, string> Env() => new()
    {
        ["HOME"] = Dir.FullName,
        ["TOLLGATE_DATA_DIR"] = Path.Combine(Dir.FullName, "data"),
        ["CODEX_HOME"] = CodexHome,
        ["CLAUDE_CONFIG_DIR"] = ClaudeDir,
    };

    public void Dispose() => Dir.Delete(recursive: true);
}
