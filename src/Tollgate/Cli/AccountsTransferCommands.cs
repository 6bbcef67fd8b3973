using System.CommandLine;
using Spectre.Console;
using Tollgate.Core.Accounts;
using Tollgate.Core.Vault;

namespace Tollgate.Cli;

/// <summary><c>tollgate accounts export FILE</c>: every CLI-managed account with its key, in a passphrase-encrypted bundle.</summary>
internal sealed class AccountsExportCommand : Command
{
    private readonly Argument<string> _file = new("FILE") { Description = "Where to write the bundle (created with mode 0600)" };
    private readonly Option<bool> _force = new("--force") { Description = "Overwrite FILE if it exists" };
    private readonly Option<bool> _passphraseStdin = new("--passphrase-stdin") { Description = "Read the bundle passphrase from standard input (first line)" };

    public AccountsExportCommand()
        : base("export", "Write all accounts and their keys to a passphrase-encrypted bundle")
    {
        Arguments.Add(_file);
        Options.Add(_force);
        Options.Add(_passphraseStdin);
        SetAction((parse, ct) => AccountsCommand.RunAsync(async context =>
        {
            var file = Path.GetFullPath(parse.GetValue(_file)!);
            if (File.Exists(file) && !parse.GetValue(_force))
            {
                CliContext.Error($"{file} exists; pass --force to overwrite it");
                return ExitCodes.InvalidArguments;
            }

            var passphrase = await BundlePassphrase.ReadAsync(parse.GetValue(_passphraseStdin), confirm: true, ct);
            if (passphrase is null)
            {
                return ExitCodes.InvalidArguments;
            }

            var accounts = await context.Accounts.ExportAsync(ct);
            var bytes = AccountBundle.Write(accounts, passphrase, Argon2Parameters.Default);
            var temp = file + ".tmp";
            File.Delete(temp);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(bytes, ct);
            }

            File.Move(temp, file, overwrite: true);
            Console.WriteLine($"Exported {accounts.Count} account(s) to {file}.");
            return ExitCodes.Success;
        }, ct));
    }
}

/// <summary><c>tollgate accounts import FILE</c></summary>
internal sealed class AccountsImportCommand : Command
{
    private readonly Argument<string> _file = new("FILE") { Description = "A bundle written by 'tollgate accounts export'" };
    private readonly Option<bool> _passphraseStdin = new("--passphrase-stdin") { Description = "Read the bundle passphrase from standard input (first line)" };

    public AccountsImportCommand()
        : base("import", "Add the accounts of an exported bundle (names that exist are skipped)")
    {
        Arguments.Add(_file);
        Options.Add(_passphraseStdin);
        SetAction((parse, ct) => AccountsCommand.RunAsync(async context =>
        {
            var file = parse.GetValue(_file)!;
            if (!File.Exists(file))
            {
                CliContext.Error($"{file} does not exist");
                return ExitCodes.NotFound;
            }

            var passphrase = await BundlePassphrase.ReadAsync(parse.GetValue(_passphraseStdin), confirm: false, ct);
            if (passphrase is null)
            {
                return ExitCodes.InvalidArguments;
            }

            var bundle = AccountBundle.Read(await File.ReadAllBytesAsync(file, ct), passphrase);
            var (added, skipped) = await context.Accounts.ImportAsync(bundle, ct);
            Console.WriteLine($"Imported {added.Count} account(s)" + (added.Count > 0 ? ": " + string.Join(", ", added.Select(a => a.Name)) : "") + ".");
            if (skipped.Count > 0)
            {
                Console.WriteLine($"Skipped {skipped.Count} that already exist: {string.Join(", ", skipped)} (remove them first to replace them).");
            }

            return ExitCodes.Success;
        }, ct));
    }
}

/// <summary>The passphrase of a bundle: <c>TOLLGATE_BUNDLE_PASSPHRASE</c>, standard input, or a masked prompt.</summary>
internal static class BundlePassphrase
{
    public static async Task<string?> ReadAsync(bool fromStdin, bool confirm, CancellationToken cancellationToken)
    {
        string? passphrase;
        if (fromStdin)
        {
            passphrase = await Console.In.ReadLineAsync(cancellationToken);
        }
        else if (Environment.GetEnvironmentVariable("TOLLGATE_BUNDLE_PASSPHRASE") is { Length: > 0 } env)
        {
            passphrase = env;
        }
        else if (AccountsContext.Interactive)
        {
            passphrase = AnsiConsole.Prompt(new TextPrompt<string>("Bundle passphrase:").Secret());
            if (confirm && AnsiConsole.Prompt(new TextPrompt<string>("Again:").Secret()) != passphrase)
            {
                CliContext.Error("the two passphrases differ; nothing was written");
                return null;
            }
        }
        else
        {
            CliContext.Error("give the bundle passphrase with --passphrase-stdin or TOLLGATE_BUNDLE_PASSPHRASE (or run on a terminal)");
            return null;
        }

        if (confirm && (passphrase is null || passphrase.Length < 8))
        {
            CliContext.Error("use a bundle passphrase of at least 8 characters");
            return null;
        }

        return passphrase;
    }
}
