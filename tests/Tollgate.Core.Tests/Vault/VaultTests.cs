using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Core.Accounts;
using Tollgate.Core.Storage;
using Tollgate.Core.Vault;

namespace Tollgate.Core.Tests.Vault;

/// <summary>The vault on real database and key files: encryption, key sources, wrong keys, damage, rotation and its crash repair.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are a Unix feature
public sealed class VaultTests : IDisposable
{
    private const string Secret = "sk-proj-TESTONLY0000000000000000000000a1b2";
    private static readonly Argon2Parameters Cheap = new(1024, 1, 1); // tests only: the default costs 19 MiB and ~100 ms per open
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-vault-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DbPath => Path.Combine(_dir.FullName, "tollgate.db");
    private string KeyPath => Path.Combine(_dir.FullName, "vault.key");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    private async Task<SqliteDatabase> DatabaseAsync()
    {
        var db = new SqliteDatabase(DbPath);
        await db.MigrateAsync(Ct);
        return db;
    }

    private VaultService Service(SqliteDatabase db, string? passphrase = null, Func<string?>? prompt = null) =>
        new(db, new VaultKeyOptions { KeyFilePath = KeyPath, Passphrase = passphrase, Prompt = prompt, Argon2 = Cheap }, _time);

    private async Task<Account> AddAccountAsync(SqliteDatabase db, SecretVault vault, string name = "main")
    {
        var account = new Account { Id = Guid.NewGuid(), Name = name, Provider = ProviderKind.OpenAI, BaseUrl = "https://api.openai.com/v1", KeyFingerprint = KeyFingerprint.Of(Secret) };
        await new AccountStore(db, _time).AddAsync(account, vault.EncryptString(account.Id, Secret), Ct);
        return account;
    }

    private static async Task<string> DecryptAsync(SqliteDatabase db, SecretVault vault, Guid id, TimeProvider time)
    {
        var ciphers = await new AccountStore(db, time).ReadCredentialCiphersAsync(Ct);
        return vault.DecryptString(id, ciphers[id]);
    }

    [Fact]
    public void Encrypt_UsesAFreshNonceAndBindsTheOwner()
    {
        using var vault = new SecretVault(new byte[32]);
        var owner = Guid.NewGuid();
        var a = vault.EncryptString(owner, Secret);
        var b = vault.EncryptString(owner, Secret);
        Assert.NotEqual(a, b); // fresh nonce each time
        Assert.Equal(Secret, vault.DecryptString(owner, a));
        Assert.Throws<VaultException>(() => vault.DecryptString(Guid.NewGuid(), a)); // moved to another account
        a[^1] ^= 1;
        Assert.Throws<VaultException>(() => vault.DecryptString(owner, a)); // tampered
        Assert.Throws<VaultException>(() => vault.DecryptString(owner, []));
    }

    [Fact]
    public async Task WithoutPassphrase_CreatesAPrivateKeyFileOnce_AndReopens()
    {
        var db = await DatabaseAsync();
        Account account;
        using (var vault = await Service(db).OpenAsync(Ct))
        {
            account = await AddAccountAsync(db, vault);
        }

        Assert.Equal(32, new FileInfo(KeyPath).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyPath));
        var header = await Service(db).ReadHeaderAsync(Ct);
        Assert.Equal(VaultKdf.KeyFile, header!.Kdf);

        using var reopened = await Service(db).OpenAsync(Ct);
        Assert.Equal(Secret, await DecryptAsync(db, reopened, account.Id, _time));
    }

    [Fact]
    public async Task KeyFile_ReadableByOthers_IsRefused()
    {
        var db = await DatabaseAsync();
        (await Service(db).OpenAsync(Ct)).Dispose();
        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var e = await Assert.ThrowsAsync<VaultException>(() => Service(db).OpenAsync(Ct));
        Assert.Contains("chmod 600", e.Message);
    }

    [Fact]
    public async Task MissingOrForeignKeyFile_SaysSo_AndChangesNothing()
    {
        var db = await DatabaseAsync();
        (await Service(db).OpenAsync(Ct)).Dispose();
        var original = File.ReadAllBytes(KeyPath);

        File.Delete(KeyPath);
        var missing = await Assert.ThrowsAsync<VaultException>(() => Service(db).OpenAsync(Ct));
        Assert.Contains("missing", missing.Message);

        VaultKeys.WriteNewKeyFile(KeyPath);
        var foreign = await Assert.ThrowsAsync<VaultException>(() => Service(db).OpenAsync(Ct));
        Assert.Contains("not the key of this database", foreign.Message);

        File.Delete(KeyPath);
        File.WriteAllBytes(KeyPath, original);
        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (await Service(db).OpenAsync(Ct)).Dispose();
    }

    [Fact]
    public async Task Passphrase_PersistsSaltAndParameters_AndAWrongOneIsRefused()
    {
        var db = await DatabaseAsync();
        Account account;
        using (var vault = await Service(db, passphrase: "correct horse").OpenAsync(Ct))
        {
            account = await AddAccountAsync(db, vault);
        }

        Assert.False(File.Exists(KeyPath)); // a passphrase vault has no key file
        var header = (await Service(db).ReadHeaderAsync(Ct))!;
        Assert.Equal(VaultKdf.Argon2id, header.Kdf);
        Assert.Equal(Cheap, header.Argon2);
        Assert.Equal(VaultKeys.SaltSize, header.Salt!.Length);

        var wrong = await Assert.ThrowsAsync<VaultException>(() => Service(db, passphrase: "wrong horse").OpenAsync(Ct));
        Assert.Contains("wrong master passphrase", wrong.Message);
        Assert.Equal(header.Verifier, (await Service(db).ReadHeaderAsync(Ct))!.Verifier); // nothing overwritten

        var none = await Assert.ThrowsAsync<VaultException>(() => Service(db).OpenAsync(Ct));
        Assert.Contains("TOLLGATE_MASTER_KEY", none.Message);

        using var prompted = await Service(db, prompt: () => "correct horse").OpenAsync(Ct);
        Assert.Equal(Secret, await DecryptAsync(db, prompted, account.Id, _time));
    }

    [Fact]
    public async Task Rotate_ReencryptsEverything_BetweenKeyFileAndPassphrase()
    {
        var db = await DatabaseAsync();
        Account a, b;
        using (var vault = await Service(db).OpenAsync(Ct))
        {
            a = await AddAccountAsync(db, vault, "a");
            b = await AddAccountAsync(db, vault, "b");
        }

        var before = await new AccountStore(db, _time).ReadCredentialCiphersAsync(Ct);
        var oldKey = File.ReadAllBytes(KeyPath);
        await Service(db).RotateAsync(new VaultRotationTarget.KeyFile(), Ct);
        Assert.NotEqual(oldKey, File.ReadAllBytes(KeyPath));
        Assert.False(File.Exists(KeyPath + ".new"));
        var after = await new AccountStore(db, _time).ReadCredentialCiphersAsync(Ct);
        Assert.NotEqual(before[a.Id], after[a.Id]);
        using (var vault = await Service(db).OpenAsync(Ct))
        {
            Assert.Equal(Secret, await DecryptAsync(db, vault, b.Id, _time));
        }

        await Service(db).RotateAsync(new VaultRotationTarget.Passphrase("new pass"), Ct);
        Assert.False(File.Exists(KeyPath)); // the retired key file protects nothing any more
        using (var vault = await Service(db, passphrase: "new pass").OpenAsync(Ct))
        {
            Assert.Equal(Secret, await DecryptAsync(db, vault, a.Id, _time));
        }

        await Service(db, passphrase: "new pass").RotateAsync(new VaultRotationTarget.KeyFile(), Ct);
        using (var vault = await Service(db).OpenAsync(Ct))
        {
            Assert.Equal(Secret, await DecryptAsync(db, vault, a.Id, _time));
        }
    }

    [Fact]
    public async Task Rotate_StoppedAfterCommit_IsFinishedByTheNextOpen()
    {
        var db = await DatabaseAsync();
        Account account;
        using (var vault = await Service(db).OpenAsync(Ct))
        {
            account = await AddAccountAsync(db, vault);
        }

        var oldKey = File.ReadAllBytes(KeyPath);
        await Service(db).RotateAsync(new VaultRotationTarget.KeyFile(), Ct);

        // Put the machine back in the state of a crash between the commit and the rename.
        File.Move(KeyPath, KeyPath + ".new");
        File.WriteAllBytes(KeyPath, oldKey);
        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var vault2 = await Service(db).OpenAsync(Ct);
        Assert.Equal(Secret, await DecryptAsync(db, vault2, account.Id, _time));
        Assert.False(File.Exists(KeyPath + ".new"));
    }

    [Fact]
    public async Task Rotate_WithADamagedEntry_NamesTheAccountAndChangesNothing()
    {
        var db = await DatabaseAsync();
        using (var vault = await Service(db).OpenAsync(Ct))
        {
            await AddAccountAsync(db, vault, "good");
            var bad = await AddAccountAsync(db, vault, "bad");
            await using var c = await db.OpenAsync(Ct);
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE accounts SET credential_cipher = x'01020304' WHERE id = $id";
            cmd.Parameters.AddWithValue("$id", bad.Id.ToString());
            await cmd.ExecuteNonQueryAsync(Ct);
        }

        var header = await Service(db).ReadHeaderAsync(Ct);
        var key = File.ReadAllBytes(KeyPath);
        var e = await Assert.ThrowsAsync<VaultException>(() => Service(db).RotateAsync(new VaultRotationTarget.KeyFile(), Ct));
        Assert.Contains("'bad'", e.Message);
        Assert.Equal(header!.Verifier, (await Service(db).ReadHeaderAsync(Ct))!.Verifier);
        Assert.Equal(key, File.ReadAllBytes(KeyPath));
    }

    [Fact]
    public async Task DatabaseFile_NeverContainsThePlaintextKey()
    {
        var db = await DatabaseAsync();
        using (var vault = await Service(db).OpenAsync(Ct))
        {
            await AddAccountAsync(db, vault);
        }

        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_dir.FullName))
        {
            var bytes = File.ReadAllBytes(file);
            Assert.DoesNotContain(Secret, Encoding.Latin1.GetString(bytes));
        }
    }

    [Theory]
    [InlineData("sk-proj-abcdefghijklmnopqrstuvwxyz0123a1b2", "sk-proj-…a1b2")]
    [InlineData("sk-ant-api03-abcdefghijklmnopqrstuvwxyzZZZZ", "sk-ant-…ZZZZ")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "…wxyz")]
    [InlineData("short", "…")]
    public void Fingerprint_ShowsOnlyThePrefixAndLastFour(string key, string expected) => Assert.Equal(expected, KeyFingerprint.Of(key));
}
