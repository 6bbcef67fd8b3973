using Tollgate.Core.CodexSetup;
using Tollgate.Core.Configuration;

namespace Tollgate.Cli;

/// <summary>
/// What <c>tollgate serve</c> does before its first start-up when there is no account: follow
/// how Codex is set up (<see cref="CodexBootstrap"/>), so pass-through traffic goes where Codex
/// would have sent it. An upstream named by the user (<c>--upstream</c>, the config file or the
/// environment) or any account means Tollgate has been told, and Codex's setup is not read.
/// </summary>
internal static class ServeBootstrap
{
    /// <summary>The config to serve with; null (after saying why) when Codex's setup cannot work through the gateway.</summary>
    public static async Task<TollgateConfig?> FollowCodexAsync(AppPaths paths, TollgateConfig config, CancellationToken cancellationToken)
    {
        if (config.Upstreams.OpenAIExplicit || config.Accounts.Count > 0 || await HasStoredAccountsAsync(paths, cancellationToken))
        {
            return config;
        }

        CodexBootstrapPlan? plan;
        try
        {
            plan = CodexBootstrap.Plan(paths.CodexHome, Environment.GetEnvironmentVariable, config.Server.Port);
        }
        catch (CodexBootstrapException e)
        {
            CliContext.Error(e.Message);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CliContext.Error($"cannot read Codex's setup in {paths.CodexHome} ({e.Message}): make it readable, or start Tollgate with --upstream URL");
            return null;
        }

        if (plan is null)
        {
            return config;
        }

        var upstreams = plan.OpenAIBase is { } url ? config.Upstreams with { OpenAI = url } : config.Upstreams;
        Console.Error.WriteLine($"tollgate: no accounts, so calls pass through as Codex is set up ({paths.CodexHome}): {plan.Summary}; OpenAI-style calls go to {upstreams.OpenAI}");
        return config with { Upstreams = upstreams };
    }

    private static async Task<bool> HasStoredAccountsAsync(AppPaths paths, CancellationToken cancellationToken)
    {
        try
        {
            return await AccountsContext.HasStoredAccountsAsync(paths, cancellationToken);
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return false; // the gateway's own start reports what is wrong with the store
        }
    }
}
