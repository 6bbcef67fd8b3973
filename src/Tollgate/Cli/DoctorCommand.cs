using System.CommandLine;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Tollgate.Core.Accounts;
using Tollgate.Core.ClientSetup;
using Tollgate.Core.CodexSetup;
using Tollgate.Core.Configuration;
using Tollgate.Core.Storage;

namespace Tollgate.Cli;

/// <summary>
/// <c>tollgate doctor</c>: what would keep the gateway or a report from working, checked without
/// changing anything — the config, the data folder and database, the listen port, whether the
/// upstreams answer a TCP connection (no request is sent, no key leaves the machine), and how
/// Codex is wired. Exit code 0 when nothing failed (warnings included), 1 otherwise.
/// </summary>
internal sealed partial class DoctorCommand : Command
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    public DoctorCommand(Option<string?> configOption)
        : base("doctor", "Check the config, data folder, port, upstreams and Codex wiring (changes nothing)")
    {
        var json = new Option<bool>("--json") { Description = "Print the findings as JSON" };
        Options.Add(json);
        SetAction(async (parse, ct) =>
        {
            var findings = await CheckAsync(parse.GetValue(configOption), ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(
                    findings.Select(f => new { check = f.Check, level = f.Level.ToString().ToLowerInvariant(), detail = f.Detail }),
                    new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            }
            else
            {
                foreach (var f in findings)
                {
                    Console.WriteLine($"{f.Level switch { DoctorLevel.Ok => "ok  ", DoctorLevel.Warning => "warn", _ => "FAIL" }}  {f.Check,-9} {f.Detail}");
                }
            }

            return findings.Any(f => f.Level == DoctorLevel.Failure) ? ExitCodes.Failure : ExitCodes.Success;
        });
    }

    internal enum DoctorLevel
    {
        Ok,
        Warning,
        Failure,
    }

    internal sealed record DoctorFinding(string Check, DoctorLevel Level, string Detail);

    private static async Task<List<DoctorFinding>> CheckAsync(string? configOverride, CancellationToken cancellationToken)
    {
        var findings = new List<DoctorFinding>();
        var paths = AppPaths.FromProcess(configOverride);
        var loaded = ConfigLoader.Load(paths, CliContext.Environment());
        var config = loaded.Config ?? new TollgateConfig();
        findings.Add(loaded.Ok
            ? new("config", DoctorLevel.Ok, File.Exists(paths.ConfigFile) ? paths.ConfigFile : $"no file at {paths.ConfigFile}: the defaults apply")
            : new("config", DoctorLevel.Failure, $"{paths.ConfigFile}: {string.Join("; ", loaded.Errors)}"));

        var accounts = await CheckDataAsync(paths, findings, cancellationToken);
        if (!loaded.Ok)
        {
            // Its port and upstreams are not known: checking the defaults would say nothing true.
            findings.Add(new("gateway", DoctorLevel.Warning, "not checked until the config loads"));
            findings.Add(new("upstream", DoctorLevel.Warning, "not checked until the config loads"));
            return findings;
        }

        await CheckGatewayAsync(config, findings, cancellationToken);
        var upstreams = accounts.Count > 0
            ? accounts.Where(a => a.Enabled).Select(a => (Name: $"account {a.Name}", Url: a.BaseUrl))
            : [("OpenAI", config.Upstreams.OpenAI), ("Anthropic", config.Upstreams.Anthropic), ("ChatGPT", config.Upstreams.ChatGpt)];
        foreach (var (name, url) in upstreams)
        {
            findings.Add(await CheckUpstreamAsync(name, url, cancellationToken));
        }

        if (!OperatingSystem.IsWindows())
        {
            findings.Add(CheckCodex(paths, config));
        }

        return findings;
    }

    /// <summary>The data folder, the database and the accounts stored in it (read, never migrated).</summary>
    private static async Task<IReadOnlyList<Account>> CheckDataAsync(AppPaths paths, List<DoctorFinding> findings, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(paths.DataDir))
        {
            findings.Add(new("data", DoctorLevel.Ok, $"{paths.DataDir} does not exist yet: the first 'tollgate serve' or 'tollgate ingest' makes it"));
            return [];
        }

        var probe = Path.Combine(paths.DataDir, $".doctor-{Environment.ProcessId}");
        try
        {
            await File.WriteAllTextAsync(probe, "", cancellationToken);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            findings.Add(new("data", DoctorLevel.Failure, $"{paths.DataDir} is not writable: {ex.Message}"));
            return [];
        }

        if (!File.Exists(paths.DatabasePath))
        {
            findings.Add(new("data", DoctorLevel.Ok, $"{paths.DataDir} (no database yet)"));
            return [];
        }

        try
        {
            await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = paths.DatabasePath, Mode = SqliteOpenMode.ReadOnly }.ToString());
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version";
            var version = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
            if (version > Migrations.Steps.Length)
            {
                findings.Add(new("data", DoctorLevel.Failure, $"{paths.DatabasePath} was written by a newer Tollgate (schema {version}, this one knows {Migrations.Steps.Length})"));
                return [];
            }

            command.CommandText = version > 0 ? "SELECT COUNT(*) FROM usage_records" : "SELECT 0";
            var records = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
            findings.Add(new("data", DoctorLevel.Ok, $"{paths.DatabasePath}: {records:N0} calls recorded"
                + (version < Migrations.Steps.Length ? $"; its schema ({version} of {Migrations.Steps.Length}) is brought up to date at the next start" : "")));
        }
        catch (SqliteException ex)
        {
            findings.Add(new("data", DoctorLevel.Failure, $"{paths.DatabasePath} cannot be read: {ex.Message}"));
            return [];
        }

        try
        {
            return await new AccountStore(new SqliteDatabase(paths.DatabasePath), TimeProvider.System).ListAsync(cancellationToken);
        }
        catch (SqliteException)
        {
            return []; // an older schema without accounts: the upstreams of the config are checked
        }
    }

    private static async Task CheckGatewayAsync(TollgateConfig config, List<DoctorFinding> findings, CancellationToken cancellationToken)
    {
        var url = CliContext.GatewayUrl(config);
        if (await DashboardCommand.AnswersAsync(url, cancellationToken))
        {
            findings.Add(new("gateway", DoctorLevel.Ok, $"running at {url}"));
            return;
        }

        var host = new Uri(url).Host.Trim('[', ']');
        findings.Add(await ConnectsAsync(host, config.Server.Port, cancellationToken) is null
            ? new("gateway", DoctorLevel.Failure, $"{host}:{config.Server.Port} is taken by another program: 'tollgate serve' would stop with exit code 4 (choose another with --port or [server] port)")
            : new("gateway", DoctorLevel.Ok, $"not running; {host}:{config.Server.Port} is free"));
    }

    private static async Task<DoctorFinding> CheckUpstreamAsync(string name, string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return new("upstream", DoctorLevel.Failure, $"{name}: '{url}' is not an http(s) URL");
        }

        return await ConnectsAsync(uri.Host.Trim('[', ']'), uri.Port, cancellationToken) is { } error
            ? new("upstream", DoctorLevel.Failure, $"{name}: cannot connect to {uri.Host}:{uri.Port} ({error})")
            : new("upstream", DoctorLevel.Ok, $"{name}: {uri.Host}:{uri.Port} accepts connections");
    }

    /// <summary>Null when a TCP connection opens within the timeout; else why not.</summary>
    private static async Task<string?> ConnectsAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await client.ConnectAsync(host, port, timeout.Token);
            return null;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode == SocketError.HostNotFound ? "the name does not resolve" : ex.Message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {ConnectTimeout.TotalSeconds:0} s";
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static DoctorFinding CheckCodex(AppPaths paths, TollgateConfig config)
    {
        if (!Directory.Exists(paths.CodexHome))
        {
            return new("codex", DoctorLevel.Ok, $"no Codex home at {paths.CodexHome} (Codex not used on this machine, or CODEX_HOME points elsewhere)");
        }

        try
        {
            var status = new CodexConfigSwitch(paths.CodexHome).Status();
            if (status.State is ClientSwitchState.On or ClientSwitchState.OnEdited
                && Url().Match(status.Message) is { Success: true } found && Uri.TryCreate(found.Value, UriKind.Absolute, out var target) && target.Port != config.Server.Port)
            {
                return new("codex", DoctorLevel.Warning, $"{status.Message}, but the gateway is set to port {config.Server.Port}: run 'tollgate codex on' again");
            }

            return new("codex", status.State == ClientSwitchState.Interrupted ? DoctorLevel.Warning : DoctorLevel.Ok, status.Message);
        }
        catch (ClientSwitchException ex)
        {
            return new("codex", DoctorLevel.Warning, ex.Message);
        }
    }

    [GeneratedRegex(@"https?://[^\s;()]+")]
    private static partial Regex Url();
}
