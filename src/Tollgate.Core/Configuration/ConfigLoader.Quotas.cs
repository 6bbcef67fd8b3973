using Tollgate.Core.Quotas;
using Tomlyn.Model;

namespace Tollgate.Core.Configuration;

/// <summary><c>[[quota_providers]]</c>.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] BudgetKeys = ["kind", "url", "match_domain", "token_env", "budget_field", "spent_field", "reset_field", "interval_seconds"];
    private static readonly string[] CostsKeys = ["kind", "accounts", "admin_key_env", "monthly_budget_usd", "interval_seconds"];

    private static void ApplyQuotaProviders(string name, object? value, Builder builder, List<string> errors)
    {
        if (value is not TomlTableArray array)
        {
            errors.Add($"{name}: quota_providers must be an array of tables ([[quota_providers]])");
            return;
        }

        var index = 0;
        foreach (var table in array)
        {
            index++;
            var where = $"quota_providers #{index}";
            var kind = table.TryGetValue("kind", out var k) ? k as string : null;
            var keys = kind switch { "budget_http_json" => BudgetKeys, "openai_costs" => CostsKeys, _ => null };
            if (keys is null)
            {
                errors.Add($"{name}: {where}: kind must be budget_http_json or openai_costs, got {Describe(k)}");
                continue;
            }

            var before = errors.Count;
            foreach (var key in table.Keys.Where(x => !keys.Contains(x)))
            {
                errors.Add($"{name}: unknown key '{key}' in {where} ({kind}){NameSuggestions.DidYouMean(key, keys)}");
            }

            string? Text(string key, bool required)
            {
                if (table.TryGetValue(key, out var v) && v is string s && s.Length > 0)
                {
                    return s;
                }

                if (required || table.ContainsKey(key))
                {
                    errors.Add($"{name}: {where}: {key} must be a non-empty string" + (table.ContainsKey(key) ? $", got {Describe(v)}" : " (required)"));
                }

                return null;
            }

            TimeSpan? interval = null;
            if (table.TryGetValue("interval_seconds", out var iv) && !Int(iv, 30, 86400, n => interval = TimeSpan.FromSeconds(n)))
            {
                errors.Add($"{name}: {where}: interval_seconds must be an integer from 30 to 86400, got {Describe(iv)}");
            }

            IQuotaProvider? provider = null;
            if (kind == "budget_http_json")
            {
                var url = Text("url", required: true);
                if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"))
                {
                    errors.Add($"{name}: {where}: url must be an absolute http(s) URL, got \"{url}\"");
                }

                var domain = Text("match_domain", required: true);
                if (errors.Count == before)
                {
                    provider = new BudgetHttpJsonProvider(url!, domain!, Text("token_env", false), Text("budget_field", false) ?? "budget",
                        Text("spent_field", false) ?? "spent", Text("reset_field", false), interval);
                }
            }
            else
            {
                var adminKeyEnv = Text("admin_key_env", required: true);
                var accounts = table.TryGetValue("accounts", out var a) && a is TomlArray items && items.Count > 0 && items.All(i => i is string) ? items.Cast<string>().ToList() : null;
                if (accounts is null)
                {
                    errors.Add($"{name}: {where}: accounts must be a non-empty array of account names");
                }

                var budget = table.TryGetValue("monthly_budget_usd", out var b) ? ToDecimal(b) : null;
                if (budget is not > 0)
                {
                    errors.Add($"{name}: {where}: monthly_budget_usd must be a positive number of USD");
                }

                if (errors.Count == before)
                {
                    provider = new OpenAICostsProvider(accounts!, adminKeyEnv!, budget!.Value, interval);
                }
            }

            if (provider is not null)
            {
                builder.QuotaProviders.Add(provider);
            }
        }
    }
}
