using System.Globalization;
using Tollgate.Core.Pricing;
using Tomlyn;
using Tomlyn.Model;

namespace Tollgate.Core.Configuration;

/// <summary>The outcome of loading configuration: a config, or errors that each name the bad field.</summary>
public sealed record ConfigResult(TollgateConfig? Config, IReadOnlyList<string> Errors)
{
    public bool Ok => Config is not null && Errors.Count == 0;
}

/// <summary>
/// Loads <c>tollgate.toml</c>, then applies <c>TOLLGATE_&lt;SECTION&gt;__&lt;KEY&gt;</c> environment
/// variables, and validates everything. Unknown sections and keys are errors (a typo must not be
/// silently ignored), with a suggestion when a known name is close.
/// </summary>
public static partial class ConfigLoader
{
    private static readonly Field[] Fields =
    [
        new("server", "host", "a host name or IP address", (b, v) => Str(v, s => b.Host = s)),
        new("server", "port", "an integer from 0 to 65535", (b, v) => Int(v, 0, 65535, n => b.Port = (int)n)),
        new("server", "allow_non_loopback", "true or false", (b, v) => Bool(v, x => b.AllowNonLoopback = x)),
        new("server", "inline_io", "true or false", (b, v) => Bool(v, x => b.InlineIo = x)),
        new("server", "dashboard", "true or false", (b, v) => Bool(v, x => b.Dashboard = x)),
        new("server", "max_request_body_mb", "an integer from 64 to 4096", (b, v) => Int(v, 64, 4096, n => b.MaxRequestBodyBytes = n * 1024 * 1024)),
        new("server", "idle_timeout_seconds", "an integer from 1 to 86400", (b, v) => Int(v, 1, 86400, n => b.IdleTimeout = TimeSpan.FromSeconds(n))),
        new("upstreams", "openai", "an absolute http(s) URL", (b, v) => Url(v, s => (b.OpenAI, b.OpenAIExplicit) = (s, true))),
        new("upstreams", "anthropic", "an absolute http(s) URL", (b, v) => Url(v, s => b.Anthropic = s)),
        new("upstreams", "chatgpt", "an absolute http(s) URL", (b, v) => Url(v, s => b.ChatGpt = s)),
        new("logging", "level", "one of trace, debug, information, warning, error, critical, none",
            (b, v) => Str(v, s => b.LogLevel = s.ToLowerInvariant(), s => s.ToLowerInvariant() is "trace" or "debug" or "information" or "warning" or "error" or "critical" or "none")),
        new("logging", "request_log", "true or false", (b, v) => Bool(v, x => b.RequestLog = x)),
        new("logging", "request_log_max_mb", "an integer from 1 to 1024", (b, v) => Int(v, 1, 1024, n => b.RequestLogMaxBytes = n * 1024 * 1024)),
        new("logging", "request_log_files", "an integer from 1 to 100", (b, v) => Int(v, 1, 100, n => b.RequestLogFiles = (int)n)),
        new("logging", "body_log", "a file path (relative: in the logs folder of the data directory)", (b, v) => Str(v, x => b.BodyLog = x)),
        new("codex", "homes", "an array of directories (or, in the environment, a list separated by ':')", (b, v) => Homes(v, b.CodexHomes)),
        .. RoutingFields,
    ];

    private static readonly string[] Sections = ["server", "upstreams", "logging", "pricing", "routing", "pools", "accounts", "quota_providers", "codex"];
    private static readonly string[] PriceKeys = ["input", "cached_input", "output", "cache_write", "cache_write_1h"];

    /// <summary>Loads from <paramref name="paths"/>.ConfigFile (if present) and the environment.</summary>
    public static ConfigResult Load(AppPaths paths, IReadOnlyDictionary<string, string> environment)
    {
        var errors = new List<string>();
        var builder = new Builder();
        var file = paths.ConfigFile;
        if (File.Exists(file))
        {
            ApplyFile(file, File.ReadAllText(file), builder, errors);
        }
        else if (paths.ConfigFileIsExplicit)
        {
            errors.Add($"config file {file} does not exist (named by --config or TOLLGATE_CONFIG)");
        }

        ApplyEnvironment(environment, builder, errors);
        return errors.Count > 0 ? new ConfigResult(null, errors) : new ConfigResult(builder.Build(), errors);
    }

    /// <summary>Parses TOML text; exposed for tests.</summary>
    public static ConfigResult Parse(string fileName, string toml)
    {
        var errors = new List<string>();
        var builder = new Builder();
        ApplyFile(fileName, toml, builder, errors);
        return errors.Count > 0 ? new ConfigResult(null, errors) : new ConfigResult(builder.Build(), errors);
    }

    private static void ApplyFile(string fileName, string toml, Builder builder, List<string> errors)
    {
        var name = Path.GetFileName(fileName);
        TomlTable table;
        try
        {
            table = TomlSerializer.Deserialize<TomlTable>(toml) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            errors.Add($"{name}: not valid TOML: {ex.Message}");
            return;
        }

        foreach (var (sectionName, sectionValue) in table)
        {
            if (!Sections.Contains(sectionName))
            {
                errors.Add($"{name}: unknown section '{sectionName}'{NameSuggestions.DidYouMean(sectionName, Sections)}");
                continue;
            }

            if (sectionName == "accounts")
            {
                ApplyAccounts(name, sectionValue, builder, errors);
                continue;
            }

            if (sectionName == "quota_providers")
            {
                ApplyQuotaProviders(name, sectionValue, builder, errors);
                continue;
            }

            if (sectionValue is not TomlTable section)
            {
                errors.Add($"{name}: '{sectionName}' must be a table ([{sectionName}])");
                continue;
            }

            if (sectionName == "pricing")
            {
                ApplyPricing(name, section, builder, errors);
                continue;
            }

            if (sectionName == "pools")
            {
                ApplyPools(name, section, builder, errors);
                continue;
            }

            foreach (var (key, value) in section)
            {
                var field = Array.Find(Fields, f => f.Section == sectionName && f.Key == key);
                if (field is null)
                {
                    var known = Fields.Where(f => f.Section == sectionName).Select(f => $"{f.Section}.{f.Key}").ToArray();
                    errors.Add($"{name}: unknown key '{sectionName}.{key}'{NameSuggestions.DidYouMean($"{sectionName}.{key}", known)}");
                    continue;
                }

                if (!field.Apply(builder, value))
                {
                    errors.Add($"{name}: {sectionName}.{key} must be {field.Expect}, got {Describe(value)}");
                }
            }
        }
    }

    private static void ApplyEnvironment(IReadOnlyDictionary<string, string> environment, Builder builder, List<string> errors)
    {
        if (environment.TryGetValue("TOLLGATE_LOG_BODIES", out var bodyLog) && bodyLog.Length > 0)
        {
            builder.BodyLog = Path.GetFullPath(bodyLog); // typed in a shell: relative to where it was typed
        }

        // Only the settings, in name order (errors in a stable order). Sorted as a list of names, not
        // through LINQ over the pairs: generic code no ReadyToRun image holds, compiled at every start.
        var variables = new List<string>();
        foreach (var name in environment.Keys)
        {
            if (name.StartsWith("TOLLGATE_", StringComparison.Ordinal) && name.Contains("__", StringComparison.Ordinal))
            {
                variables.Add(name);
            }
        }

        variables.Sort(StringComparer.Ordinal);
        foreach (var variable in variables)
        {
            var value = environment[variable];
            var parts = variable["TOLLGATE_".Length..].ToLowerInvariant().Split("__");
            if (parts.Length != 2)
            {
                errors.Add($"environment: {variable}: expected TOLLGATE_<SECTION>__<KEY>");
                continue;
            }

            var field = Array.Find(Fields, f => f.Section == parts[0] && f.Key == parts[1]);
            if (field is null)
            {
                errors.Add($"environment: {variable} names no setting{NameSuggestions.DidYouMean($"{parts[0]}.{parts[1]}", Fields.Select(f => $"{f.Section}.{f.Key}").ToArray())}");
                continue;
            }

            if (!field.Apply(builder, value))
            {
                errors.Add($"environment: {variable} ({field.Section}.{field.Key}) must be {field.Expect}, got \"{value}\"");
            }
        }
    }

    private static void ApplyPricing(string name, TomlTable pricing, Builder builder, List<string> errors)
    {
        foreach (var (key, value) in pricing)
        {
            switch (key)
            {
                case "models" when value is TomlTable models:
                    foreach (var (model, entry) in models)
                    {
                        if (ReadPrice(name, $"pricing.models.\"{model}\"", entry, errors) is { } price)
                        {
                            builder.Prices[model] = price;
                        }
                    }

                    break;
                case "aliases" when value is TomlTable aliases:
                    foreach (var (alias, target) in aliases)
                    {
                        if (target is string s && s.Length > 0)
                        {
                            builder.Aliases[alias] = s;
                        }
                        else
                        {
                            errors.Add($"{name}: pricing.aliases.\"{alias}\" must be a model name (a string), got {Describe(target)}");
                        }
                    }

                    break;
                case "default":
                    builder.DefaultPrice = ReadPrice(name, "pricing.default", value, errors);
                    break;
                default:
                    errors.Add($"{name}: unknown key 'pricing.{key}'{NameSuggestions.DidYouMean(key, ["models", "aliases", "default"])}");
                    break;
            }
        }
    }

    private static ModelPrice? ReadPrice(string name, string path, object? value, List<string> errors)
    {
        if (value is not TomlTable t)
        {
            errors.Add($"{name}: {path} must be a table with input, cached_input, output (USD per 1M tokens)");
            return null;
        }

        var ok = true;
        var numbers = new Dictionary<string, decimal>();
        foreach (var (key, v) in t)
        {
            if (!PriceKeys.Contains(key))
            {
                errors.Add($"{name}: unknown key '{path}.{key}'{NameSuggestions.DidYouMean(key, PriceKeys)}");
                ok = false;
            }
            else if (ToDecimal(v) is { } d && d >= 0)
            {
                numbers[key] = d;
            }
            else
            {
                errors.Add($"{name}: {path}.{key} must be a non-negative number (USD per 1M tokens), got {Describe(v)}");
                ok = false;
            }
        }

        foreach (var required in (ReadOnlySpan<string>)["input", "output"])
        {
            if (!numbers.ContainsKey(required) && ok)
            {
                errors.Add($"{name}: {path}.{required} is required");
                ok = false;
            }
        }

        return ok
            ? new ModelPrice(
                numbers["input"],
                numbers.GetValueOrDefault("cached_input", numbers["input"]),
                numbers["output"],
                numbers.TryGetValue("cache_write", out var w) ? w : null,
                numbers.TryGetValue("cache_write_1h", out var w1) ? w1 : null)
            : null;
    }

    private static decimal? ToDecimal(object? v) => v switch
    {
        long l => l,
        double d when double.IsFinite(d) => (decimal)d,
        string s when decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) => m,
        _ => null,
    };

    private static bool Str(object? v, Action<string> set, Func<string, bool>? valid = null)
    {
        if (v is not string s || s.Length == 0 || (valid is not null && !valid(s)))
        {
            return false;
        }

        set(s);
        return true;
    }

    private static bool Int(object? v, long min, long max, Action<long> set)
    {
        long? n = v switch
        {
            long l => l,
            string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
            _ => null,
        };
        if (n is not { } x || x < min || x > max)
        {
            return false;
        }

        set(x);
        return true;
    }

    private static bool Bool(object? v, Action<bool> set)
    {
        bool? b = v switch
        {
            bool x => x,
            string s when bool.TryParse(s, out var p) => p,
            "1" => true,
            "0" => false,
            _ => null,
        };
        if (b is not { } value)
        {
            return false;
        }

        set(value);
        return true;
    }

    private static bool Homes(object? v, List<string> homes)
    {
        IEnumerable<string>? items = v switch
        {
            TomlArray a when a.All(x => x is string s && s.Length > 0) => a.Cast<string>(),
            string s when s.Length > 0 => s.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            _ => null,
        };
        if (items is null)
        {
            return false;
        }

        homes.Clear();
        homes.AddRange(items.Select(ExpandHome));
        return true;
    }

    /// <summary>A leading <c>~</c> means the user's home, as in a shell.</summary>
    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/'))
            : path;

    private static bool Url(object? v, Action<string> set) =>
        Str(v, s => set(s.TrimEnd('/')), s => Uri.TryCreate(s, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https"));

    private static string Describe(object? v) => v switch
    {
        null => "nothing",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        TomlTable => "a table",
        TomlArray => "an array",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "?",
    };

    private sealed record Field(string Section, string Key, string Expect, Func<Builder, object?, bool> Apply);

    private sealed class Builder
    {
        public string Host { get; set; } = new ServerConfig().Host;
        public int Port { get; set; } = new ServerConfig().Port;
        public bool AllowNonLoopback { get; set; }
        public long MaxRequestBodyBytes { get; set; } = new ServerConfig().MaxRequestBodyBytes;
        public TimeSpan IdleTimeout { get; set; } = new ServerConfig().IdleTimeout;
        public bool InlineIo { get; set; } = new ServerConfig().InlineIo;
        public bool Dashboard { get; set; } = new ServerConfig().Dashboard;
        public string OpenAI { get; set; } = new UpstreamsConfig().OpenAI;
        public bool OpenAIExplicit { get; set; }
        public string Anthropic { get; set; } = new UpstreamsConfig().Anthropic;
        public string ChatGpt { get; set; } = new UpstreamsConfig().ChatGpt;
        public string LogLevel { get; set; } = new LoggingConfig().Level;
        public bool RequestLog { get; set; } = true;
        public long RequestLogMaxBytes { get; set; } = new LoggingConfig().RequestLogMaxBytes;
        public int RequestLogFiles { get; set; } = new LoggingConfig().RequestLogFiles;
        public string? BodyLog { get; set; }
        public Dictionary<string, ModelPrice> Prices { get; } = new(StringComparer.OrdinalIgnoreCase);
        public Dictionary<string, string> Aliases { get; } = new(StringComparer.OrdinalIgnoreCase);
        public ModelPrice? DefaultPrice { get; set; }
        public Routing.PoolOptions DefaultPool { get; set; } = new();
        public Routing.RoutingOptions RoutingValues { get; set; } = new();
        public Dictionary<string, List<Func<Routing.PoolOptions, Routing.PoolOptions>>> PoolEdits { get; } = new(StringComparer.OrdinalIgnoreCase);
        public List<Accounts.Account> Accounts { get; } = [];
        public List<Quotas.IQuotaProvider> QuotaProviders { get; } = [];
        public List<string> CodexHomes { get; } = [];

        public TollgateConfig Build() => new()
        {
            Server = new ServerConfig { Host = Host, Port = Port, AllowNonLoopback = AllowNonLoopback, MaxRequestBodyBytes = MaxRequestBodyBytes, IdleTimeout = IdleTimeout, InlineIo = InlineIo, Dashboard = Dashboard },
            Upstreams = new UpstreamsConfig { OpenAI = OpenAI, OpenAIExplicit = OpenAIExplicit, Anthropic = Anthropic, ChatGpt = ChatGpt },
            Logging = new LoggingConfig { Level = LogLevel, RequestLog = RequestLog, RequestLogMaxBytes = RequestLogMaxBytes, RequestLogFiles = RequestLogFiles, BodyLog = BodyLog },
            Pricing = new PricingOptions { Models = Prices, Aliases = Aliases, Default = DefaultPrice },
            Routing = BuildRouting(this),
            Accounts = Accounts,
            QuotaProviders = QuotaProviders,
            CodexHomes = CodexHomes,
        };
    }
}
