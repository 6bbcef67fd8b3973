using System.CommandLine;

namespace Tollgate.Cli;

/// <summary><c>tollgate serve</c>: runs the gateway headless until Ctrl+C or SIGTERM.</summary>
internal sealed class ServeCommand : Command
{
    private readonly GatewayFlags _flags = new();

    public ServeCommand(Option<string?> configOption)
        : base("serve", "Run the gateway: forward, meter and record every call (no UI)")
    {
        _flags.AddTo(this);
        SetAction((parse, cancellationToken) => RunAsync(parse, configOption, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parse, Option<string?> configOption, CancellationToken cancellationToken)
    {
        var started = await GatewayLaunch.StartAsync(parse, configOption, _flags, adjust: null, cancellationToken);
        if (started.App is not { } app)
        {
            return started.ExitCode;
        }

        await using (app)
        {
            Console.Error.WriteLine($"tollgate: listening on {string.Join(", ", app.Urls)} (data in {started.Settings!.Paths.DataDir}); Ctrl+C stops");
            await app.WaitForShutdownAsync(CancellationToken.None);
        }

        return ExitCodes.Success;
    }
}
