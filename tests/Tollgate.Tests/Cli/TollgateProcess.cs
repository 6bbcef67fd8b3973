using System.Diagnostics;
using System.Text;

namespace Tollgate.Tests.Cli;

/// <summary>Runs the real <c>tollgate</c> executable (the built tollgate.dll) as a child process with its own environment.</summary>
internal sealed class TollgateProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private TollgateProcess(Process process) => _process = process;

    public string Stdout { get { lock (_gate) { return _stdout.ToString(); } } }

    public string Stderr { get { lock (_gate) { return _stderr.ToString(); } } }

    public static TollgateProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Clear();
        foreach (var (name, value) in WithDefaults(environment))
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info)!;
        var wrapper = new TollgateProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.Append(wrapper._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Append(wrapper._stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return wrapper;
    }

    /// <summary>Runs to completion in the given working directory.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunInAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var run = await RealClients.ClientProcess.RunAsync("dotnet", [Dll, .. args], workingDirectory, WithDefaults(environment), TestContext.Current.CancellationToken);
        return (run.ExitCode, run.Stdout, run.Stderr);
    }

    /// <summary>Runs to completion (bounded, like the real clients) and returns the exit code and output.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunWithInputAsync(environment, null, args);

    /// <summary>Like <see cref="RunAsync"/>, with text on standard input (keys, passphrases).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunWithInputAsync(IReadOnlyDictionary<string, string> environment, string? stdin, params string[] args)
    {
        var run = await RealClients.ClientProcess.RunAsync("dotnet", [Dll, .. args], AppContext.BaseDirectory, WithDefaults(environment), TestContext.Current.CancellationToken, stdin);
        return (run.ExitCode, run.Stdout, run.Stderr);
    }

    /// <summary>
    /// Runs as the unprivileged user <c>nobody</c> (through util-linux <c>setpriv</c>) when the
    /// tests run as root, so file permissions apply; otherwise as the current user.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunUnprivilegedAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        if (Environment.UserName != "root")
        {
            return await RunAsync(environment, args);
        }

        var run = await RealClients.ClientProcess.RunAsync(
            "setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", Dll, .. args],
            AppContext.BaseDirectory,
            WithDefaults(environment),
            TestContext.Current.CancellationToken);
        return (run.ExitCode, run.Stdout, run.Stderr);
    }

    /// <summary>
    /// Runs in a pseudo-terminal (util-linux <c>script</c>, part of every Debian), so prompts
    /// behave as they do for a person: <paramref name="typed"/> is typed once <paramref name="prompt"/>
    /// is on the screen and the program has taken the first keystroke (typed earlier, the
    /// terminal itself would echo it); with nothing to type, it only watches. Bounded by 60 s.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunInTerminalAsync(IReadOnlyDictionary<string, string> environment, string prompt, string typed, params string[] args)
    {
        var command = string.Join(' ', new[] { "dotnet", Dll }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        var info = new ProcessStartInfo("script", ["-qec", command, "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.Environment.Clear();
        foreach (var (name, value) in WithDefaults(environment))
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(60));

        // A prompt has no newline yet, so the screen is read as characters, not lines.
        var reader = Task.Run(async () =>
        {
            var buffer = new char[1024];
            int n;
            while ((n = await process.StandardOutput.ReadAsync(buffer, limit.Token)) > 0)
            {
                lock (output)
                {
                    output.Append(buffer, 0, n);
                }
            }
        });
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        try
        {
            while (!Screen().Contains(prompt, StringComparison.Ordinal) && !process.HasExited)
            {
                await Task.Delay(50, limit.Token);
            }

            // One keystroke first; once the program has answered it (a mask, for a secret),
            // the terminal is in the program's hands and the rest may follow.
            if (typed.Length > 0)
            {
                var before = Screen().Length;
                await process.StandardInput.WriteAsync(typed[..1]);
                await process.StandardInput.FlushAsync(limit.Token);
                while (Screen().Length == before && !process.HasExited)
                {
                    await Task.Delay(20, limit.Token);
                }

                await process.StandardInput.WriteAsync(typed[1..]);
                await process.StandardInput.FlushAsync(limit.Token);
            }

            await process.WaitForExitAsync(limit.Token);
            await reader;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, Screen());

        string Screen()
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    private static string Dll => Path.Combine(AppContext.BaseDirectory, "tollgate.dll");

    /// <summary>A clean environment: only what the test names, plus what dotnet itself needs.</summary>
    private static Dictionary<string, string> WithDefaults(IReadOnlyDictionary<string, string> environment)
    {
        var env = new Dictionary<string, string> { ["NO_COLOR"] = "1", ["TZ"] = "UTC" };
        foreach (var name in new[] { "PATH", "DOTNET_ROOT", "DOTNET_CLI_HOME" })
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                env[name] = value;
            }
        }

        foreach (var (name, value) in environment)
        {
            env[name] = value;
        }

        return env;
    }

    public async Task<string> WaitForStderrAsync(string marker, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!Stderr.Contains(marker, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"tollgate exited with {_process.ExitCode} before printing '{marker}': {Stderr}");
            }

            await Task.Delay(50, cts.Token); // polling a child process's output; bounded by the timeout
        }

        return Stderr;
    }

    /// <summary>Sends SIGTERM, as a service manager or Ctrl+C would.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            target.AppendLine(line);
        }
    }
}
