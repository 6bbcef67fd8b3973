using System.CommandLine;

namespace Tollgate.Cli;

/// <summary>The command tree. One class per command; this only assembles them.</summary>
internal static class TollgateCli
{
    public static RootCommand Build()
    {
        var config = new Option<string?>("--config", "-c")
        {
            Description = "Config file (default $XDG_CONFIG_HOME/tollgate/tollgate.toml; env TOLLGATE_CONFIG)",
            Recursive = true,
        };
        var root = new RootCommand("Tollgate: a local gateway that forwards, meters and prices every OpenAI/Anthropic API call. With no command: the gateway and its terminal UI (as 'tollgate tui').");
        root.Options.Add(config);
        new TuiLaunch(config).AddTo(root); // no command: the gateway with its terminal UI
        root.Subcommands.Add(new ServeCommand(config));
        root.Subcommands.Add(new TuiCommand(config));
        root.Subcommands.Add(new UsageCommand(config));
        root.Subcommands.Add(new IngestCommand(config));
        root.Subcommands.Add(new LimitsCommand(config));
        root.Subcommands.Add(new SessionsCommand(config));
        root.Subcommands.Add(new DashboardCommand(config));
        if (!OperatingSystem.IsWindows())
        {
            root.Subcommands.Add(new CodexCommand(config));
            root.Subcommands.Add(new ClaudeCommand(config));
        }

        root.Subcommands.Add(new HomesCommand(config));
        root.Subcommands.Add(new PricingCommand(config));
        root.Subcommands.Add(new DoctorCommand(config));
        root.Subcommands.Add(new AccountsCommand(config));
        root.Subcommands.Add(new KeysCommand());
        root.Subcommands.Add(new VaultCommand());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                CliContext.Error(error.Message);
            }

            Console.Error.WriteLine("Run 'tollgate --help' for the commands and their options.");

            return ExitCodes.InvalidArguments;
        }

        try
        {
            // The host handles Ctrl+C/SIGTERM itself and drains the usage writer; the parser's own
            // termination timeout would cut that short.
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Cancelled;
        }
    }
}
