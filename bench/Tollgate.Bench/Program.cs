using BenchmarkDotNet.Running;
using Tollgate.Testing;

if (args is ["generate-codex-home", var path, var megabytes, ..])
{
    // A Codex home of about this size for bench/codexlogs/run.sh, with every counting trap in it.
    var home = CodexHomeGenerator.Generate(path, new CodexHomeOptions
    {
        TargetBytes = long.Parse(megabytes, System.Globalization.CultureInfo.InvariantCulture) * 1024 * 1024,
        FillerBytesPerCall = 40_000,
        Days = 365,
        Start = new DateTimeOffset(2025, 11, 1, 0, 0, 0, TimeSpan.Zero),
        Forks = !args.Contains("--no-forks"),
        SubAgents = !args.Contains("--no-sub-agents"),
        ArchivedCopies = !args.Contains("--no-archived"),
        Malformed = !args.Contains("--no-malformed"),
    });
    Console.WriteLine($"{home.Files} files, {home.Bytes / 1024 / 1024} MiB, {home.Calls.Count} calls, {home.Total.TotalTokens} tokens");
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Tollgate.Bench.MeteringBenchmarks).Assembly).Run(args);
