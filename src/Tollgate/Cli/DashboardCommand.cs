using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace Tollgate.Cli;

/// <summary>
/// <c>tollgate dashboard</c>: opens the web dashboard in the browser. When a gateway already
/// answers on the port it only opens the page; otherwise it starts one (with the dashboard)
/// and runs it until Ctrl+C. The URL is printed either way.
/// </summary>
internal sealed class DashboardCommand : Command
{
    private readonly GatewayFlags _flags = new();
    private readonly Option<bool> _noOpen = new("--no-open") { Description = "Print the URL without opening a browser" };

    public DashboardCommand(Option<string?> configOption)
        : base("dashboard", "Open the web dashboard (starts the gateway when none is running on the port)")
    {
        _flags.AddTo(this);
        Options.Add(_noOpen);
        SetAction((parse, cancellationToken) => RunAsync(parse, configOption, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parse, Option<string?> configOption, CancellationToken cancellationToken)
    {
        var (_, config) = CliContext.Load(parse.GetValue(configOption));
        if (config is null)
        {
            return ExitCodes.InvalidConfig;
        }

        if (_flags.Apply(parse, config, out var flagError) is not { } wanted)
        {
            CliContext.Error(flagError!);
            return ExitCodes.InvalidArguments;
        }

        var open = !parse.GetValue(_noOpen);
        var running = CliContext.GatewayUrl(wanted);
        if (wanted.Server.Port != 0 && await AnswersAsync(running, cancellationToken))
        {
            Show(running + "/", "a gateway is already running there", open);
            return ExitCodes.Success;
        }

        var started = await GatewayLaunch.StartAsync(parse, configOption, _flags, adjust: s => s with { Dashboard = true, WarmDashboard = true }, cancellationToken);
        if (started.App is not { } app)
        {
            return started.ExitCode;
        }

        await using (app)
        {
            Show(app.Urls.First().TrimEnd('/') + "/", $"gateway started (data in {started.Settings!.Paths.DataDir}); Ctrl+C stops", open);
            await app.WaitForShutdownAsync(CancellationToken.None);
        }

        return ExitCodes.Success;
    }

    /// <summary>True when a Tollgate gateway answers its health check at <paramref name="baseUrl"/> within two seconds.</summary>
    public static async Task<bool> AnswersAsync(string baseUrl, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            var health = await http.GetFromJsonAsync<JsonElement>(baseUrl + "/_tollgate/health", cancellationToken);
            return health.TryGetProperty("status", out var status) && status.GetString() == "ok";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or NotSupportedException)
        {
            return false;
        }
    }

    private static void Show(string url, string note, bool open)
    {
        Console.WriteLine(url);
        Console.Error.WriteLine($"tollgate: dashboard at {url} ({note})");
        if (open && !OpenBrowser(url))
        {
            Console.Error.WriteLine("tollgate: could not start a browser (xdg-open); open the URL above yourself");
        }
    }

    private static bool OpenBrowser(string url)
    {
        var opener = OperatingSystem.IsMacOS() ? "open" : "xdg-open";
        if (!OperatingSystem.IsWindows() && !(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, opener))))
        {
            return false;
        }

        // Through sh so the opener (and the browser it may start) write to /dev/null, not to pipes that close when tollgate exits.
        var start = OperatingSystem.IsWindows() ? new ProcessStartInfo(url) { UseShellExecute = true }
            : new ProcessStartInfo("/bin/sh", ["-c", "exec \"$0\" \"$1\" >/dev/null 2>&1", opener, url]) { UseShellExecute = false };
        try
        {
            using var process = Process.Start(start);
            return process is not null;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }
}
