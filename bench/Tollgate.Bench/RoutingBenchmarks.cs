using BenchmarkDotNet.Attributes;
using Tollgate.Core.Accounts;
using Tollgate.Core.Routing;

namespace Tollgate.Bench;

/// <summary>Account selection per request with 100 accounts (target: under 1 µs).</summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    private AccountRouter _router = null!;
    private RouteRequest _plain;
    private RouteRequest _bound;

    [Params(RoutingStrategy.LeastUtilized, RoutingStrategy.RoundRobin, RoutingStrategy.Priority, RoutingStrategy.Weighted)]
    public RoutingStrategy Strategy { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var accounts = Enumerable.Range(0, 100).Select(i => new Account
        {
            Id = Guid.NewGuid(),
            Name = $"acct-{i:D3}",
            Provider = ProviderKind.OpenAI,
            BaseUrl = "https://api.openai.com/v1",
            Priority = i % 5,
            Weight = 1 + i % 3,
            Models = i % 2 == 0 ? ["gpt-5*", "o4-*"] : [],
            Limits = new AccountLimits(DailyTokens: 10_000_000, MonthlyUsd: 500m),
        }).ToList();
        _router = new AccountRouter(TimeProvider.System, new RoutingOptions
        {
            Pools = new Dictionary<string, PoolOptions> { ["openai"] = new() { Strategy = Strategy } },
        });
        _router.SetAccounts(accounts);
        foreach (var a in accounts)
        {
            _router.Health(a.Id)!.RecordUsage(TimeProvider.System.GetUtcNow(), a.Name.GetHashCode() & 0xFFFFF, 0.5m);
        }

        _plain = new RouteRequest(ServiceKind.OpenAI, null, "gpt-5.1-codex");
        _router.Bind("019a0000-0000-7000-8000-000000000001", accounts[42].Id);
        _bound = new RouteRequest(ServiceKind.OpenAI, null, "gpt-5.1-codex", new[] { "019a0000-0000-7000-8000-000000000001" });
    }

    [Benchmark]
    public Account? SelectNewConversation() => _router.Select(_plain, []).Account;

    [Benchmark]
    public Account? SelectBoundConversation() => _router.Select(_bound, []).Account;
}
