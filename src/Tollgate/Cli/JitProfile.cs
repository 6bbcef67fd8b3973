using System.CommandLine;
using System.Runtime;
using Tollgate.Core.Configuration;

namespace Tollgate.Cli;

/// <summary>
/// Start-up profiles for the commands that start a gateway (<c>serve</c>, <c>tui</c>,
/// <c>dashboard</c> when none runs yet: <see cref="GatewayLaunch"/> starts the profile), through
/// .NET's multicore JIT: a run records which methods it had to compile
/// in its first minute, and the next run of the same command compiles them ahead of need on a
/// spare core. The first dashboard visit after a start is what it is for: most of that visit was
/// the JIT of Blazor and MudBlazor (bench/README.md). The short report commands gained nothing
/// measurable, so they neither record nor replay.
/// </summary>
/// <remarks>
/// One file per command under <c>jit/</c> in the data folder, written by the runtime when the
/// process exits normally; method tokens and module names only, safe to delete. Nothing is
/// recorded before the data folder exists (a first run never creates it for this), and
/// <c>TOLLGATE_JIT_PROFILE=0</c> turns it off.
/// </remarks>
internal static class JitProfile
{
    public const string Folder = "jit";

    /// <summary>Starts recording (and replays the last run's profile) for the gateway this command is about to start.</summary>
    public static void Start(Command command)
    {
        if (Environment.GetEnvironmentVariable("TOLLGATE_JIT_PROFILE") == "0")
        {
            return;
        }

        var dataDir = AppPaths.FromProcess().DataDir;
        if (!Directory.Exists(dataDir))
        {
            return;
        }

        var folder = Path.Combine(dataDir, Folder);
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return; // a read-only data folder only costs the head start
        }

        ProfileOptimization.SetProfileRoot(folder);
        ProfileOptimization.StartProfile(FileName(command));
    }

    /// <summary><c>serve.jitprofile</c>, <c>dashboard.jitprofile</c>; the root command (the terminal UI) is <c>tui</c> too.</summary>
    public static string FileName(Command command) => (command is RootCommand ? "tui" : command.Name) + ".jitprofile";
}
