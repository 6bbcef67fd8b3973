using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;

namespace Tollgate.Bench;

/// <summary>
/// How long the Overview takes to show its figures over a large store, as a user of
/// <c>tollgate dashboard</c> meets it: the gateway is started as its own process, and the page is
/// asked for the moment it prints its URL (the first visit pays the JIT and fills the browser's
/// cache), then twice more in the same browser profile. Runs
/// alternate between start-up profiles off and on (<c>TOLLGATE_JIT_PROFILE</c>), after one run
/// that records the profile, so both are measured in the same minutes.
/// </summary>
internal static class DashboardVisits
{
    private const int Visits = 3;

    /// <param name="timings">Also print the first visit's resource timings (when the shell, the scripts and the hub answered).</param>
    public static async Task RunAsync(string tollgateDll, string dataDir, int runs, bool timings)
    {
        var chromium = Environment.GetEnvironmentVariable("PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH") is { Length: > 0 } named ? named : "/usr/bin/chromium";
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });

        var profiles = Path.Combine(dataDir, "jit");
        if (Directory.Exists(profiles))
        {
            Directory.Delete(profiles, recursive: true);
        }

        await VisitAsync(browser, tollgateDll, dataDir, profile: true, timings: false); // records the profile the "on" runs replay
        var results = new List<(bool Profile, double[] Times, double FirstPaint)>();
        for (var i = 0; i < runs * 2; i++)
        {
            var profile = i % 2 == 1;
            var (times, firstPaint) = await VisitAsync(browser, tollgateDll, dataDir, profile, timings);
            results.Add((profile, times, firstPaint));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"profile {(profile ? "on " : "off")}: figures at {string.Join(", ", times.Select(t => $"{t:0} ms"))} (first visit painted at {firstPaint:0} ms)"));
        }

        foreach (var profile in new[] { false, true })
        {
            var mine = results.Where(r => r.Profile == profile).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"median, profile {(profile ? "on " : "off")}: first visit {Median(mine.Select(r => r.Times[0]))} ms (painted {Median(mine.Select(r => r.FirstPaint))} ms), later visits {Median(mine.SelectMany(r => r.Times.Skip(1)))} ms"));
        }
    }

    private static async Task<(double[] Times, double FirstPaint)> VisitAsync(IBrowser browser, string tollgateDll, string dataDir, bool profile, bool timings)
    {
        var scratch = Directory.CreateTempSubdirectory("tollgate-visits-");
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [tollgateDll, "dashboard", "--no-open", "--port", port.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["TOLLGATE_DATA_DIR"] = dataDir;
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(scratch.FullName, "config");
        start.Environment["CODEX_HOME"] = Directory.CreateDirectory(Path.Combine(scratch.FullName, "codex")).FullName;
        start.Environment["TOLLGATE_JIT_PROFILE"] = profile ? "1" : "0";
        using var gateway = Process.Start(start)!;
        gateway.ErrorDataReceived += (_, _) => { };
        gateway.BeginErrorReadLine();
        try
        {
            var url = await ReadUrlAsync(gateway);
            var times = new double[Visits];
            double firstPaint = 0;
            // One browser profile for the run, as one person's: the first visit finds its cache
            // empty, the later ones have the scripts and styles the first one fetched.
            await using var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
            await context.AddInitScriptAsync("localStorage.setItem('tollgate.range', 'last12months')");
            for (var v = 0; v < Visits; v++)
            {
                var page = await context.NewPageAsync();
                var started = Stopwatch.GetTimestamp();
                await page.GotoAsync(url);
                await page.Locator(".mud-layout").WaitForAsync(new() { Timeout = 60_000 });
                if (v == 0)
                {
                    firstPaint = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }

                await page.GetByTestId("by-model-row").First.WaitForAsync(new() { Timeout = 60_000 });
                times[v] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (v == 0 && timings)
                {
                    Console.WriteLine(await page.EvaluateAsync<string>("performance.getEntries().map(e => `${e.name.replace(location.origin, '')} at ${Math.round(e.startTime)} ms for ${Math.round(e.duration)} ms`).join('\\n')"));
                }

                await page.CloseAsync(); // ends its circuit
            }

            return (times, firstPaint);
        }
        finally
        {
            // SIGTERM, as Ctrl+C would: the gateway drains and exits normally, which is when the runtime writes the profile.
            using (var kill = Process.Start("kill", ["-TERM", gateway.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await gateway.WaitForExitAsync(timeout.Token);
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>The URL <c>tollgate dashboard</c> prints on its first line once the gateway listens.</summary>
    private static async Task<string> ReadUrlAsync(Process gateway)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await gateway.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("http://", StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"tollgate dashboard exited ({gateway.ExitCode}) without printing its URL");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2].ToString("0", CultureInfo.InvariantCulture);
    }
}
