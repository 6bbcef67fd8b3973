using System.Runtime.InteropServices;

namespace Tollgate.Tests.RealClients;

/// <summary>
/// Finds the pinned real clients that <c>npm install --prefix tests/clients</c> puts under
/// <c>tests/clients/node_modules</c>: the native binaries of the platform packages, which work
/// even when npm skipped Claude Code's postinstall (its <c>.bin/claude</c> is then a stub).
/// <c>TOLLGATE_CODEX_BIN</c> / <c>TOLLGATE_CLAUDE_BIN</c> override the lookup. A missing client
/// skips the test, or fails it when <c>TOLLGATE_REQUIRE_REAL_CLIENTS=1</c> (CI).
/// </summary>
internal static class InstalledClients
{
    private const string InstallHint = "run `npm install --prefix tests/clients` to enable the real-client tests";

    /// <summary>Path to the Codex CLI 0.169 executable.</summary>
    public static string Codex()
    {
        var (os, arch) = Platform();
        var triple = (os, arch) switch
        {
            ("linux", "x64") => "x86_64-unknown-linux-musl",
            ("linux", "arm64") => "aarch64-unknown-linux-musl",
            ("darwin", "x64") => "x86_64-apple-darwin",
            _ => "aarch64-apple-darwin",
        };
        return Locate(
            "TOLLGATE_CODEX_BIN",
            "Codex CLI",
            $"@openai/codex-{os}-{arch}/vendor/{triple}/bin/codex",
            ".bin/codex"); // the node launcher; needs node on PATH
    }

    /// <summary>Path to the Claude Code 2.1.197 native executable.</summary>
    public static string Claude()
    {
        var (os, arch) = Platform();
        return Locate("TOLLGATE_CLAUDE_BIN", "Claude Code", $"@anthropic-ai/claude-code-{os}-{arch}/claude", $"@anthropic-ai/claude-code-{os}-{arch}-musl/claude");
    }

    /// <summary>Path to ccusage 20.0.24's native executable (the log-parity reference).</summary>
    public static string Ccusage()
    {
        var (os, arch) = Platform();
        var path = Locate("TOLLGATE_CCUSAGE_BIN", "ccusage", $"@ccusage/ccusage-{os}-{arch}/bin/ccusage", ".bin/ccusage");
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) == 0)
        {
            // npm unpacks the platform package without the execute bit; ccusage's node launcher sets it on first run, as this does.
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }

    /// <summary>The repository root: the first folder above the test binaries holding <c>Tollgate.slnx</c>.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tollgate.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Tollgate.slnx above {AppContext.BaseDirectory}.");
    }

    private static string Locate(string overrideVariable, string name, params string[] candidates)
    {
        if (Environment.GetEnvironmentVariable(overrideVariable) is { Length: > 0 } overridden)
        {
            Assert.True(File.Exists(overridden), $"{overrideVariable}={overridden} does not exist.");
            return overridden;
        }

        var modules = Path.Combine(RepoRoot(), "tests", "clients", "node_modules");
        foreach (var candidate in candidates)
        {
            var path = Path.Combine(modules, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        var message = $"{name} is not installed (looked for {string.Join(", ", candidates)} under {modules}); {InstallHint}.";
        if (Environment.GetEnvironmentVariable("TOLLGATE_REQUIRE_REAL_CLIENTS") == "1")
        {
            Assert.Fail(message + " TOLLGATE_REQUIRE_REAL_CLIENTS=1 makes this a failure.");
        }

        Assert.Skip(message);
        return null!; // unreachable: Assert.Skip throws
    }

    private static (string Os, string Arch) Platform() =>
        (OperatingSystem.IsMacOS() ? "darwin" : "linux", RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "x64");
}
