using BenchmarkDotNet.Running;
using Tollgate.Testing;

if (args is ["generate-codex-home", var path, var megabytes, ..])
{
    // A Codex home of about this size for bench/codexlogs/run.sh, with every counting trap in it.
    var home = CodexHomeGenerator.Generate(path, new CodexHomeOptions
    {
        TargetBytes = long.Parse(megabytes, System.Globalization.CultureInfo.InvariantCulture) * 1024 * 1024,
        FillerBytesPerCall = Array.IndexOf(args, "--filler") is > 0 and var f && f + 1 < args.Length ? int.Parse(args[f + 1], System.Globalization.CultureInfo.InvariantCulture) : 40_000,
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

if (args is ["raw-read-codex-home", var rawDir, ..])
{
    // The floor: the bytes and the newlines, nothing else.
    var files = Directory.GetFiles(rawDir, "rollout-*.jsonl", SearchOption.AllDirectories);
    long lines = 0, bytes = 0;
    var buffer = new byte[256 * 1024];
    var clock = System.Diagnostics.Stopwatch.StartNew();
    foreach (var file in files)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 0);
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            bytes += n;
            lines += buffer.AsSpan(0, n).Count((byte)'\n');
        }
    }

    Console.WriteLine($"{files.Length} files, {bytes / 1024 / 1024} MiB, {lines} lines in {clock.ElapsedMilliseconds} ms");
    return;
}

if (args is ["read-codex-home", var dir, ..])
{
    // Reading alone, one thread: what the ingester's readers cost without the store.
    var files = Directory.GetFiles(dir, "rollout-*.jsonl", SearchOption.AllDirectories);
    long calls = 0, bytes = 0;
    var clock = System.Diagnostics.Stopwatch.StartNew();
    foreach (var file in files)
    {
        var read = Tollgate.Core.CodexLogs.RolloutReader.Read(file, null);
        calls += read.Calls.Count;
        bytes += read.Cursor.Offset;
    }

    Console.WriteLine($"{files.Length} files, {bytes / 1024 / 1024} MiB, {calls} calls in {clock.ElapsedMilliseconds} ms");
    return;
}

if (args is ["generate-store", var storeDir, var count, ..])
{
    // A store of generated records over a year, for bench/api (the API's latency with 1 million records).
    await Tollgate.Bench.ApiLatency.GenerateStoreAsync(storeDir, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
    return;
}

if (args is ["api-latency", var baseUrl, ..])
{
    // Every API endpoint and range against a running gateway: median, p95 and worst of 20 calls each.
    await Tollgate.Bench.ApiLatency.RunAsync(baseUrl);
    return;
}

if (args is ["dashboard-visits", var dll, var visitsStore, ..])
{
    // The Overview's first and later visits over a large store, start-up profiles off and on.
    var runs = Array.IndexOf(args, "--runs") is > 0 and var r && r + 1 < args.Length ? int.Parse(args[r + 1], System.Globalization.CultureInfo.InvariantCulture) : 3;
    await Tollgate.Bench.DashboardVisits.RunAsync(dll, visitsStore, runs, args.Contains("--timings"));
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Tollgate.Bench.MeteringBenchmarks).Assembly).Run(args);
