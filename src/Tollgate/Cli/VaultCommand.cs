using System.CommandLine;
using Spectre.Console;
using Tollgate.Core.Vault;

namespace Tollgate.Cli;

/// <summary><c>tollgate vault …</c>: the encryption of stored account keys.</summary>
internal sealed class VaultCommand : Command
{
    public VaultCommand()
        : base("vault", "The vault that encrypts stored account keys")
    {
        var toPassphrase = new Option<bool>("--passphrase") { Description = "Protect the vault with a new passphrase (TOLLGATE_NEW_MASTER_KEY, or asked twice)" };
        var toKeyFile = new Option<bool>("--key-file") { Description = "Protect the vault with a new random vault.key" };
        var rotate = new Command("rotate", "Re-encrypt every stored key under a new vault key (default: a new key of the same kind)") { toPassphrase, toKeyFile };
        rotate.SetAction((parse, ct) => AccountsCommand.RunAsync(async context =>
        {
            if (parse.GetValue(toPassphrase) && parse.GetValue(toKeyFile))
            {
                CliContext.Error("choose one of --passphrase and --key-file");
                return ExitCodes.InvalidArguments;
            }

            var header = await context.Vault.ReadHeaderAsync(ct);
            var wantPassphrase = parse.GetValue(toPassphrase) || (!parse.GetValue(toKeyFile) && header?.Kdf == VaultKdf.Argon2id);
            VaultRotationTarget target = new VaultRotationTarget.KeyFile();
            if (wantPassphrase)
            {
                var passphrase = NewPassphrase();
                if (passphrase is null)
                {
                    return ExitCodes.InvalidArguments;
                }

                target = new VaultRotationTarget.Passphrase(passphrase);
            }

            await context.Vault.RotateAsync(target, ct);
            Console.WriteLine(target is VaultRotationTarget.Passphrase
                ? "Vault re-encrypted under the new passphrase. Set TOLLGATE_MASTER_KEY to it for the gateway."
                : $"Vault re-encrypted under a new key in {context.Paths.VaultKeyPath}.");
            return ExitCodes.Success;
        }, ct));

        var status = new Command("status", "Say how the vault is protected");
        status.SetAction((_, ct) => AccountsCommand.RunAsync(async context =>
        {
            var header = await context.Vault.ReadHeaderAsync(ct);
            Console.WriteLine(header switch
            {
                null => "No vault yet: it is created when the first account key is stored.",
                { Kdf: VaultKdf.Argon2id } h => $"Protected by a master passphrase (Argon2id, {h.Argon2!.MemoryKib / 1024} MiB, {h.Argon2.Iterations} passes); format {h.FormatVersion}.",
                { } h => $"Protected by the key file {context.Paths.VaultKeyPath}; format {h.FormatVersion}.",
            });
            return ExitCodes.Success;
        }, ct));

        Subcommands.Add(rotate);
        Subcommands.Add(status);
    }

    private static string? NewPassphrase()
    {
        if (Environment.GetEnvironmentVariable("TOLLGATE_NEW_MASTER_KEY") is { Length: > 0 } fromEnv)
        {
            return fromEnv;
        }

        if (!AccountsContext.Interactive)
        {
            CliContext.Error("set TOLLGATE_NEW_MASTER_KEY to the new passphrase, or run on a terminal to be asked");
            return null;
        }

        var first = AnsiConsole.Prompt(new TextPrompt<string>("New master passphrase:").Secret());
        var second = AnsiConsole.Prompt(new TextPrompt<string>("Again:").Secret());
        if (first != second)
        {
            CliContext.Error("the two passphrases differ; nothing was changed");
            return null;
        }

        if (first.Length < 8)
        {
            CliContext.Error("use a passphrase of at least 8 characters; nothing was changed");
            return null;
        }

        return first;
    }
}
