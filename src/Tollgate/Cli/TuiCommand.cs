using System.CommandLine;
using Tollgate.Core.Accounts;
using Tollgate.Core.Configuration;
using Tollgate.Core.Storage;
using Tollgate.Core.Vault;
using Tollgate.Hosting;
using Tollgate.Tui;

namespace Tollgate.Cli;

/// <summary><c>tollgate tui</c>: the gateway and its terminal UI in one process, or the UI of a gateway already running (<c>--attach URL</c>).</summary>
internal sealed class TuiCommand : Command
{
    public TuiCommand(Option<string?> configOption)
        : base("tui", "Run the gateway with a full-screen terminal UI (the default with no command); --attach URL watches one already running")
    {
        new TuiLaunch(configOption).AddTo(this);
    }
}

/// <summary>Starting the terminal UI, shared by <c>tollgate tui</c> and <c>tollgate</c> with no command: the same flags as <c>serve</c>, plus <c>--attach</c>.</summary>
internal sealed class TuiLaunch(Option<string?> configOption)
{
    private readonly GatewayFlags _flags = new();
    private readonly Option<string?> _attach = new("--attach") { Description = "Show the UI of a gateway already running at this URL (e.g. http://127.0.0.1:8787), through its JSON API" };

    public void AddTo(Command command)
    {
        _flags.AddTo(command);
        command.Options.Add(_attach);
        command.SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        if (Console.IsOutputRedirected || Console.IsInputRedirected)
        {
            CliContext.Error("the terminal UI needs a terminal, but standard input or output is redirected; run 'tollgate serve' for the gateway without a UI");
            return ExitCodes.NoTerminal;
        }

        return parse.GetValue(_attach) is { } url
            ? await AttachAsync(parse, url, cancellationToken)
            : await ServeAsync(parse, cancellationToken);
    }

    private async Task<int> ServeAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var started = await GatewayLaunch.StartAsync(
            parse,
            configOption,
            _flags,
            s => s with { ConsoleLogging = false, LogFile = LogFile(s.Paths) },
            cancellationToken);
        if (started.App is not { } app)
        {
            return started.ExitCode;
        }

        var settings = started.Settings!;
        await using (app)
        {
            var database = app.Services.GetRequiredService<SqliteDatabase>();
            var editor = Editor(database, settings.Vault ?? AccountsContext.VaultOptions(settings.Paths), settings.Time);
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Tollgate.Tui");
            try
            {
                await TuiRunner.RunAsync(GatewayDataSource.From(app.Services, $"gateway on {string.Join(", ", app.Urls)}"), editor, settings.Time, logger, app.Lifetime.ApplicationStopping);
            }
            finally
            {
                // Stopping drains the usage writer: every call that finished is in the store before the process exits, whatever ended the UI.
                await app.StopAsync(CancellationToken.None);
            }
        }

        Console.Error.WriteLine($"tollgate: gateway stopped (logs in {LogFile(settings.Paths)})");
        return ExitCodes.Success;
    }

    private async Task<int> AttachAsync(ParseResult parse, string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            CliContext.Error($"--attach must be a gateway's http(s) URL such as http://127.0.0.1:8787, got '{url}'");
            return ExitCodes.InvalidArguments;
        }

        using var http = new HttpClient { BaseAddress = uri, Timeout = Timeout.InfiniteTimeSpan };
        using (var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            probe.CancelAfter(TimeSpan.FromSeconds(3));
            if (!await ApiDataSource.ProbeAsync(http, probe.Token))
            {
                CliContext.Error($"no Tollgate gateway answers at {uri}: start one with 'tollgate serve' (or 'tollgate'), or check the address and port");
                return ExitCodes.AttachTargetMissing;
            }
        }

        // Account changes go to this machine's data directory, as 'tollgate accounts' does; the gateway re-reads it.
        var paths = AppPaths.FromProcess(parse.GetValue(configOption));
        var database = new SqliteDatabase(paths.DatabasePath);
        await database.MigrateAsync(cancellationToken);
        using var logs = new FileLoggerProvider(LogFile(paths), TimeProvider.System);
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var editor = Editor(database, AccountsContext.VaultOptions(paths), TimeProvider.System);
        await TuiRunner.RunAsync(new ApiDataSource(http, TimeProvider.System), editor, TimeProvider.System, factory.CreateLogger("Tollgate.Tui"), cancellationToken);
        return ExitCodes.Success;
    }

    private static string LogFile(AppPaths paths) => Path.Combine(paths.LogsDir, "tui.log");

    // No passphrase prompt: the UI owns the terminal. A vault that needs one takes TOLLGATE_MASTER_KEY.
    private static AccountEditor Editor(SqliteDatabase database, VaultKeyOptions vault, TimeProvider time) =>
        new(new AccountService(database, new VaultService(database, vault with { Prompt = null }, time), time));
}
