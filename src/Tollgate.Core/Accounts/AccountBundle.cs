using System.Security.Cryptography;
using System.Text.Json;
using Tollgate.Core.Vault;

namespace Tollgate.Core.Accounts;

/// <summary>One account and its key (null for accounts that read theirs from the environment), as carried in a bundle.</summary>
public sealed record BundledAccount(Account Account, string? Key);

/// <summary>
/// <c>tollgate accounts export/import</c>: accounts with their keys in one file, encrypted with
/// AES-256-GCM under a key derived by Argon2id from a passphrase (fresh salt and nonce per
/// export). The file is JSON: <c>{"format":"tollgate-accounts","version":1,"kdf":{…},"nonce","ciphertext"}</c>;
/// the ciphertext is the vault's blob layout, bound to a fixed bundle id.
/// </summary>
public static class AccountBundle
{
    private const string Format = "tollgate-accounts";
    private static readonly Guid BundleOwner = new("5f0c4a52-8d1e-4b7e-9a35-3c1b6f2d9e01");

    public static byte[] Write(IReadOnlyList<BundledAccount> accounts, string passphrase, Argon2Parameters parameters)
    {
        var salt = RandomNumberGenerator.GetBytes(VaultKeys.SaltSize);
        var key = VaultKeys.Derive(passphrase, salt, parameters);
        byte[] blob;
        var payload = Payload(accounts);
        try
        {
            using var vault = new SecretVault(key);
            blob = vault.Encrypt(BundleOwner, payload);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(payload);
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteNumber("version", 1);
            json.WriteStartObject("kdf");
            json.WriteString("algorithm", "argon2id");
            json.WriteBase64String("salt", salt);
            json.WriteNumber("memory_kib", parameters.MemoryKib);
            json.WriteNumber("iterations", parameters.Iterations);
            json.WriteNumber("parallelism", parameters.Parallelism);
            json.WriteEndObject();
            json.WriteBase64String("ciphertext", blob);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <exception cref="AccountException">Not a bundle, an unknown version, or the wrong passphrase.</exception>
    public static IReadOnlyList<BundledAccount> Read(ReadOnlySpan<byte> file, string passphrase)
    {
        byte[] salt, blob;
        Argon2Parameters parameters;
        try
        {
            var reader = new Utf8JsonReader(file);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var f) || f.GetString() != Format)
            {
                throw new AccountException("this file is not a Tollgate account bundle");
            }

            if (root.GetProperty("version").GetInt32() != 1)
            {
                throw new AccountException("this account bundle was written by a newer Tollgate; upgrade Tollgate to import it");
            }

            var kdf = root.GetProperty("kdf");
            salt = kdf.GetProperty("salt").GetBytesFromBase64();
            parameters = new Argon2Parameters(kdf.GetProperty("memory_kib").GetInt32(), kdf.GetProperty("iterations").GetInt32(), kdf.GetProperty("parallelism").GetInt32());
            blob = root.GetProperty("ciphertext").GetBytesFromBase64();
            if (parameters.MemoryKib is < 8 or > 4 * 1024 * 1024 || parameters.Iterations is < 1 or > 100 || parameters.Parallelism is < 1 or > 64)
            {
                throw new AccountException("the account bundle's key-derivation parameters are out of range; the file is damaged");
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new AccountException("this file is not a readable Tollgate account bundle (damaged or truncated)");
        }

        var key = VaultKeys.Derive(passphrase, salt, parameters);
        byte[] payload;
        try
        {
            using var vault = new SecretVault(key);
            payload = vault.Decrypt(BundleOwner, blob);
        }
        catch (VaultException)
        {
            throw new AccountException("wrong passphrase for this account bundle (or the file is damaged); nothing was imported");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        try
        {
            return Parse(payload);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payload);
        }
    }

    private static byte[] Payload(IReadOnlyList<BundledAccount> accounts)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var (a, key) in accounts)
            {
                json.WriteStartObject();
                json.WriteString("name", a.Name);
                json.WriteString("provider", ProviderKinds.Name(a.Provider));
                json.WriteString("base_url", a.BaseUrl);
                if (key is not null)
                {
                    json.WriteString("key", key);
                }

                WriteOptional(json, "key_env", a.CredentialEnv);
                WriteOptional(json, "organization", a.Organization);
                WriteOptional(json, "project", a.Project);
                WriteOptional(json, "pool", a.Pool);
                json.WriteNumber("priority", a.Priority);
                json.WriteNumber("weight", a.Weight);
                json.WriteBoolean("enabled", a.Enabled);
                WriteList(json, "models", a.Models);
                WriteList(json, "tags", a.Tags);
                WriteMap(json, "headers", a.ExtraHeaders);
                WriteMap(json, "model_map", a.ModelMap);
                if (a.Limits.DailyTokens is { } dt)
                {
                    json.WriteNumber("daily_tokens", dt);
                }

                if (a.Limits.MonthlyTokens is { } mt)
                {
                    json.WriteNumber("monthly_tokens", mt);
                }

                if (a.Limits.DailyUsd is { } du)
                {
                    json.WriteNumber("daily_usd", du);
                }

                if (a.Limits.MonthlyUsd is { } mu)
                {
                    json.WriteNumber("monthly_usd", mu);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return buffer.ToArray();
    }

    private static List<BundledAccount> Parse(byte[] payload)
    {
        using var doc = JsonDocument.Parse(payload);
        var result = new List<BundledAccount>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            string? Opt(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            long? Long(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
            decimal? Dec(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDecimal() : null;
            List<string> List(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
            Dictionary<string, string> Map(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object
                ? v.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : [];

            var env = Opt("key_env");
            var account = new Account
            {
                Id = Guid.CreateVersion7(),
                Name = Opt("name") ?? "",
                Provider = ProviderKinds.TryParse(Opt("provider"), out var kind) ? kind : ProviderKind.OpenAICompatible,
                BaseUrl = Opt("base_url") ?? "",
                Credential = env is null ? CredentialKind.Vault : CredentialKind.Environment,
                CredentialEnv = env,
                Organization = Opt("organization"),
                Project = Opt("project"),
                Pool = Opt("pool"),
                Priority = (int)(Long("priority") ?? 0),
                Weight = (int)(Long("weight") ?? 1),
                Enabled = !e.TryGetProperty("enabled", out var en) || en.ValueKind != JsonValueKind.False,
                Models = List("models"),
                Tags = List("tags"),
                ExtraHeaders = Map("headers"),
                ModelMap = Map("model_map"),
                Limits = new AccountLimits(Long("daily_tokens"), Long("monthly_tokens"), Dec("daily_usd"), Dec("monthly_usd")),
            };
            result.Add(new BundledAccount(account, Opt("key")));
        }

        return result;
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteList(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values)
        {
            json.WriteStringValue(v);
        }

        json.WriteEndArray();
    }

    private static void WriteMap(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, string> values)
    {
        json.WriteStartObject(name);
        foreach (var (k, v) in values)
        {
            json.WriteString(k, v);
        }

        json.WriteEndObject();
    }
}
