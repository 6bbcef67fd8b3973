using Tollgate.Core.Accounts;
using Tollgate.Core.Routing;
using Tomlyn.Model;

namespace Tollgate.Core.Configuration;

/// <summary><c>[routing]</c>, <c>[pools.NAME]</c> and <c>[[accounts]]</c>.</summary>
public static partial class ConfigLoader
{
    private const string StrategyExpect = "one of least-utilized, round-robin, priority, weighted";
    private const string ExhaustedExpect = "fallback or stop";

    // A property, not a field: partial files give no order for static field initialisers, and Fields uses this.
    private static Field[] RoutingFields =>
    [
        new("routing", "strategy", StrategyExpect, (b, v) => Strategy(v, x => b.DefaultPool = b.DefaultPool with { Strategy = x })),
        new("routing", "on_exhausted", ExhaustedExpect, (b, v) => Exhausted(v, x => b.DefaultPool = b.DefaultPool with { OnExhausted = x })),
        new("routing", "max_attempts", "an integer from 1 to 10", (b, v) => Int(v, 1, 10, n => b.DefaultPool = b.DefaultPool with { MaxAttempts = (int)n })),
        new("routing", "affinity_ttl_minutes", "an integer from 1 to 10080", (b, v) => Int(v, 1, 10080, n => b.RoutingValues = b.RoutingValues with { AffinityTtl = TimeSpan.FromMinutes(n) })),
        new("routing", "default_cooldown_seconds", "an integer from 1 to 3600", (b, v) => Int(v, 1, 3600, n => b.RoutingValues = b.RoutingValues with { DefaultCooldown = TimeSpan.FromSeconds(n) })),
        new("routing", "early_probe_minutes", "an integer from 1 to 1440", (b, v) => Int(v, 1, 1440, n => b.RoutingValues = b.RoutingValues with { EarlyProbeAfter = TimeSpan.FromMinutes(n) })),
        new("routing", "limits_timezone", "an IANA time zone such as Europe/Berlin or UTC", (b, v) => Str(v, z => b.RoutingValues = b.RoutingValues with { LimitsTimeZone = TimeZoneInfo.FindSystemTimeZoneById(z) }, z => TimeZoneInfo.TryFindSystemTimeZoneById(z, out _))),
    ];

    private static readonly string[] PoolKeys = ["strategy", "on_exhausted", "max_attempts"];

    private static readonly string[] AccountKeys =
    [
        "name", "provider", "base_url", "key_env", "models", "priority", "weight", "pool", "organization", "project",
        "daily_tokens", "monthly_tokens", "daily_usd", "monthly_usd", "enabled", "tags",
    ];

    private static RoutingOptions BuildRouting(Builder b)
    {
        // Each pool is the default pool with its own settings laid over it, in the order they were read.
        var pools = new Dictionary<string, Routing.PoolOptions>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, edits) in b.PoolEdits)
        {
            var pool = b.DefaultPool;
            foreach (var edit in edits)
            {
                pool = edit(pool);
            }

            pools[name] = pool;
        }

        return b.RoutingValues with { DefaultPool = b.DefaultPool, Pools = pools };
    }

    private static void ApplyPools(string name, TomlTable pools, Builder builder, List<string> errors)
    {
        foreach (var (pool, value) in pools)
        {
            if (value is not TomlTable table)
            {
                errors.Add($"{name}: pools.{pool} must be a table ([pools.{pool}])");
                continue;
            }

            var edits = builder.PoolEdits[pool] = [];
            foreach (var (key, v) in table)
            {
                var ok = key switch
                {
                    "strategy" => Strategy(v, x => edits.Add(o => o with { Strategy = x })),
                    "on_exhausted" => Exhausted(v, x => edits.Add(o => o with { OnExhausted = x })),
                    "max_attempts" => Int(v, 1, 10, n => edits.Add(o => o with { MaxAttempts = (int)n })),
                    _ => (bool?)null,
                };
                if (ok is null)
                {
                    errors.Add($"{name}: unknown key 'pools.{pool}.{key}'{NameSuggestions.DidYouMean(key, PoolKeys)}");
                }
                else if (ok == false)
                {
                    var expect = key switch { "strategy" => StrategyExpect, "on_exhausted" => ExhaustedExpect, _ => "an integer from 1 to 10" };
                    errors.Add($"{name}: pools.{pool}.{key} must be {expect}, got {Describe(v)}");
                }
            }
        }
    }

    private static void ApplyAccounts(string name, object? value, Builder builder, List<string> errors)
    {
        if (value is not TomlTableArray array)
        {
            errors.Add($"{name}: accounts must be an array of tables ([[accounts]])");
            return;
        }

        var index = 0;
        foreach (var table in array)
        {
            index++;
            var where = table.TryGetValue("name", out var n) && n is string s ? $"accounts '{s}'" : $"accounts #{index}";
            var before = errors.Count;
            foreach (var key in table.Keys.Where(k => !AccountKeys.Contains(k)))
            {
                errors.Add($"{name}: unknown key '{key}' in {where}{NameSuggestions.DidYouMean(key, AccountKeys)}");
            }

            string? Text(string key, bool required = false)
            {
                if (!table.TryGetValue(key, out var v))
                {
                    if (required)
                    {
                        errors.Add($"{name}: {where}: {key} is required" + (key == "key_env" ? " (keys are never written in the config file; name the environment variable that holds it)" : ""));
                    }

                    return null;
                }

                if (v is string t && t.Length > 0)
                {
                    return t;
                }

                errors.Add($"{name}: {where}: {key} must be a non-empty string, got {Describe(v)}");
                return null;
            }

            long? Number(string key, long min, long max)
            {
                if (!table.TryGetValue(key, out var v))
                {
                    return null;
                }

                long? result = null;
                if (!Int(v, min, max, x => result = x))
                {
                    errors.Add($"{name}: {where}: {key} must be an integer from {min} to {max}, got {Describe(v)}");
                }

                return result;
            }

            decimal? Money(string key)
            {
                if (!table.TryGetValue(key, out var v))
                {
                    return null;
                }

                if (ToDecimal(v) is { } d && d >= 0)
                {
                    return d;
                }

                errors.Add($"{name}: {where}: {key} must be a non-negative number of USD, got {Describe(v)}");
                return null;
            }

            IReadOnlyList<string> List(string key)
            {
                if (!table.TryGetValue(key, out var v))
                {
                    return [];
                }

                if (v is TomlArray items && items.All(i => i is string))
                {
                    return items.Cast<string>().ToList();
                }

                errors.Add($"{name}: {where}: {key} must be an array of strings, got {Describe(v)}");
                return [];
            }

            var accountName = Text("name", required: true);
            var baseUrl = Text("base_url", required: true);
            var keyEnv = Text("key_env", required: true);
            var providerText = Text("provider");
            var provider = ProviderKind.OpenAICompatible;
            if (providerText is not null && !ProviderKinds.TryParse(providerText, out provider))
            {
                errors.Add($"{name}: {where}: provider must be one of {string.Join(", ", ProviderKinds.Names)}, got \"{providerText}\"");
            }
            else if (providerText is null && Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri))
            {
                provider = ProviderKinds.Guess(uri);
            }

            var enabled = true;
            if (table.TryGetValue("enabled", out var e) && !Bool(e, x => enabled = x))
            {
                errors.Add($"{name}: {where}: enabled must be true or false, got {Describe(e)}");
            }

            var draft = new Account
            {
                Id = ConfigAccountId(accountName ?? ""),
                Name = accountName ?? "",
                Provider = provider,
                BaseUrl = baseUrl ?? "",
                Credential = CredentialKind.Environment,
                CredentialEnv = keyEnv,
                Organization = Text("organization"),
                Project = Text("project"),
                Models = List("models"),
                Priority = (int)(Number("priority", -1000, 1000) ?? 0),
                Weight = (int)(Number("weight", 1, 1000) ?? 1),
                Pool = Text("pool"),
                Limits = new AccountLimits(Number("daily_tokens", 0, long.MaxValue), Number("monthly_tokens", 0, long.MaxValue), Money("daily_usd"), Money("monthly_usd")),
                Enabled = enabled,
                Tags = List("tags"),
                Origin = "config",
            };
            if (errors.Count > before)
            {
                continue;
            }

            try
            {
                var account = AccountService.Normalize(draft);
                if (builder.Accounts.Any(a => string.Equals(a.Name, account.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    errors.Add($"{name}: {where}: the name is used by another [[accounts]] entry");
                    continue;
                }

                builder.Accounts.Add(account);
            }
            catch (AccountException ex)
            {
                errors.Add($"{name}: {where}: {ex.Message.Replace("--base-url", "base_url", StringComparison.Ordinal).Replace("--key-env", "key_env", StringComparison.Ordinal).Replace("--pool", "pool", StringComparison.Ordinal).Replace("--weight", "weight", StringComparison.Ordinal)}");
            }
        }
    }

    /// <summary>A stable id for an account declared in the file, so its health survives reloads and restarts.</summary>
    public static Guid ConfigAccountId(string name)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("tollgate-config-account:" + name.ToLowerInvariant()));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: custom
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    private static bool Strategy(object? v, Action<RoutingStrategy> set)
    {
        RoutingStrategy? s = (v as string)?.ToLowerInvariant() switch
        {
            "least-utilized" => RoutingStrategy.LeastUtilized,
            "round-robin" => RoutingStrategy.RoundRobin,
            "priority" => RoutingStrategy.Priority,
            "weighted" => RoutingStrategy.Weighted,
            _ => null,
        };
        if (s is not { } strategy)
        {
            return false;
        }

        set(strategy);
        return true;
    }

    private static bool Exhausted(object? v, Action<ExhaustedBehavior> set)
    {
        ExhaustedBehavior? x = (v as string)?.ToLowerInvariant() switch
        {
            "fallback" => ExhaustedBehavior.Fallback,
            "stop" => ExhaustedBehavior.Stop,
            _ => null,
        };
        if (x is not { } behavior)
        {
            return false;
        }

        set(behavior);
        return true;
    }
}
