using System.Diagnostics;

namespace Tollgate.Tests.RealClients;

/// <summary>How a real client run ended.</summary>
internal sealed record ClientRun(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>Everything the client printed, for assertion messages.</summary>
    public string Output => $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs a real client CLI once: a minimal environment (nothing inherited from the developer's
/// shell), every proxy variable pointed at a closed local port so nothing reaches the internet
/// (127.0.0.1 is exempt), stdin closed, and a bounded wait that kills the whole process tree.
/// </summary>
internal static class ClientProcess
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private const string ClosedProxy = "http://127.0.0.1:9";

    public static async Task<ClientRun> RunAsync(string executable, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken, string? stdin = null)
    {
        var info = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        info.Environment["PATH"] = MinimalPath();
        info.Environment["TERM"] = "dumb";
        foreach (var name in new[] { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy" })
        {
            info.Environment[name] = ClosedProxy;
        }

        info.Environment["NO_PROXY"] = info.Environment["no_proxy"] = "127.0.0.1,localhost";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close(); // Codex waits for more prompt text while stdin is open

        // Read without the timeout token so a killed run still shows what it printed.
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(bounded.Token);
            await Task.WhenAll(stdout, stderr).WaitAsync(bounded.Token); // a grandchild holding the pipes is bounded too
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(executable)} did not finish within {Timeout.TotalSeconds:F0} s and was killed.\n"
                + $"--- stdout ---\n{await DrainAsync(stdout)}\n--- stderr ---\n{await DrainAsync(stderr)}");
        }

        return new ClientRun(process.ExitCode, await stdout, await stderr, Stopwatch.GetElapsedTime(started));
    }

    private static async Task<string> DrainAsync(Task<string> output)
    {
        try
        {
            return await output.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        }
        catch (TimeoutException)
        {
            return "(the pipe stayed open)";
        }
    }

    /// <summary>The system directories, plus node's directory when node lives elsewhere (Codex's npm launcher needs it).</summary>
    private static string MinimalPath()
    {
        var dirs = new List<string> { "/usr/local/bin", "/usr/bin", "/bin" };
        var node = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "node")));
        if (node is not null && !dirs.Contains(node))
        {
            dirs.Add(node);
        }

        return string.Join(Path.PathSeparator, dirs);
    }
}
