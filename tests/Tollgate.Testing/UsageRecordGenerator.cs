using Tollgate.Core.Usage;

namespace Tollgate.Testing;

/// <summary>
/// Usage records with a known shape, for tests of every reading path (the tests add up the
/// generated list themselves and compare) and for benchmarks with a million of them: both
/// sources, several models (one unpriced, one with no model at all), accounts, reasoning
/// efforts, failed and unknown-usage calls, spread over <see cref="Days"/> days up to
/// <see cref="End"/> at uneven minutes so that every range edge cuts through hours.
/// </summary>
public sealed record UsageRecordGenerator
{
    public int Seed { get; init; } = 11;
    public int Count { get; init; } = 2000;

    /// <summary>Where the records stop (exclusive); the default crosses Europe's DST change of 25 October 2026.</summary>
    public DateTimeOffset End { get; init; } = new(2026, 11, 23, 15, 0, 0, TimeSpan.Zero);
    public int Days { get; init; } = 60;

    public static readonly string[] Models = ["gpt-5.1-codex", "gpt-5-mini", "claude-sonnet-4-5", "my-private-model"];
    public static readonly string?[] Accounts = [null, "work", "personal"];
    public static readonly string?[] Efforts = [null, "low", "medium", "high"];

    public IEnumerable<UsageRecord> Generate()
    {
        var random = new Random(Seed);
        var span = (long)TimeSpan.FromDays(Days).TotalMilliseconds;
        var start = End.ToUnixTimeMilliseconds() - span;
        for (var i = 0; i < Count; i++)
        {
            var time = DateTimeOffset.FromUnixTimeMilliseconds(start + (long)(random.NextDouble() * span));
            var gateway = random.Next(3) > 0;
            var model = random.Next(25) == 0 ? null : Models[random.Next(Models.Length)];
            var failed = random.Next(20) == 0;
            var unknown = !failed && random.Next(40) == 0;
            var input = random.Next(1000, 200_000);
            var cached = random.Next(0, input / 2);
            var write = model?.StartsWith("claude", StringComparison.Ordinal) == true ? random.Next(0, (input - cached) / 2) : 0;
            var output = random.Next(10, 20_000);
            var reasoning = random.Next(0, output);
            var usage = failed || unknown ? (TokenUsage?)null : new TokenUsage(input, cached, write, output, reasoning);
            yield return new UsageRecord
            {
                Id = new Guid(random.Next(), (short)random.Next(short.MaxValue), (short)random.Next(short.MaxValue), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)),
                Time = time,
                Source = gateway ? "gateway" : "codex-log",
                Service = model?.StartsWith("claude", StringComparison.Ordinal) == true ? "anthropic" : "openai",
                Endpoint = model?.StartsWith("claude", StringComparison.Ordinal) == true ? "/v1/messages" : "/v1/responses",
                Status = failed ? 429 : 200,
                Model = model,
                Stream = true,
                LatencyMs = random.Next(200, 30_000),
                TimeToFirstByteMs = random.Next(50, 2_000),
                UsageState = failed ? UsageState.NotBillable : unknown ? UsageState.Unknown : UsageState.Reported,
                Usage = usage,
                SessionId = $"s-{random.Next(40)}",
                ReasoningEffort = Efforts[random.Next(Efforts.Length)],
                Outcome = failed ? CallOutcome.UpstreamError : CallOutcome.Success,
                ErrorType = failed ? "rate_limit_exceeded" : null,
                Account = gateway ? Accounts[random.Next(Accounts.Length)] : null,
            };
        }
    }
}
