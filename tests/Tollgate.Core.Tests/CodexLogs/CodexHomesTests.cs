using Tollgate.Core.CodexLogs;
using Tollgate.Core.Configuration;
using Tollgate.Core.Storage;

namespace Tollgate.Core.Tests.CodexLogs;

/// <summary>Which Codex homes are read: the config's or the default, plus the added ones.</summary>
public sealed class CodexHomesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-homes-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Delete(recursive: true);

    private string Dir(string name) => Path.Combine(_dir.FullName, name);

    private async Task<CodexHomes> HomesAsync(params string[] added)
    {
        var database = new SqliteDatabase(Dir("tollgate.db"));
        await database.MigrateAsync(Ct);
        var homes = new CodexHomes(database, TimeProvider.System);
        foreach (var home in added)
        {
            await homes.AddAsync(home, Ct);
        }

        return homes;
    }

    private AppPaths Paths() => new(name => name switch { "HOME" => _dir.FullName, "CODEX_HOME" => Dir("default"), _ => null });

    [Fact]
    public async Task Added_ComeBesidesTheDefault()
    {
        var homes = await HomesAsync(Dir("other"));

        var resolved = await homes.ResolveAsync(Paths(), new TollgateConfig(), Ct);

        Assert.Equal([new CodexHome(Dir("default"), "default"), new CodexHome(Dir("other"), "added")], resolved);
    }

    [Fact]
    public async Task ConfigHomes_ReplaceTheDefault_AndAnAddedCopyOfOneIsListedOnceAsAdded()
    {
        var homes = await HomesAsync(Dir("b"), Dir("c"));

        var resolved = await homes.ResolveAsync(Paths(), new TollgateConfig { CodexHomes = [Dir("a"), Dir("b") + "/"] }, Ct);

        Assert.Equal([new CodexHome(Dir("a"), "config"), new CodexHome(Dir("b"), "added"), new CodexHome(Dir("c"), "added")], resolved);
    }

    [Fact]
    public void ToRead_LeavesOutAMissingDefault_ButKeepsAMissingNamedHome()
    {
        Directory.CreateDirectory(Dir("present"));

        var read = CodexHomes.ToRead([new CodexHome(Dir("missing-default"), "default"), new CodexHome(Dir("missing-config"), "config"), new CodexHome(Dir("present"), "added")]);

        Assert.Equal([Dir("missing-config"), Dir("present")], read);
        Assert.Equal([Dir("present")], CodexHomes.ToRead([new CodexHome(Dir("present"), "default")]));
    }
}
