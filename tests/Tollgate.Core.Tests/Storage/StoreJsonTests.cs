using System.Text.Json;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Tests.Storage;

/// <summary>The store's hand-written JSON must be the serializer's, byte for byte, and read back the same.</summary>
public sealed class StoreJsonTests
{
    private static readonly string?[] Texts =
    [
        null, "", "plain", "quote \" and back\\slash", "control \u0001\n\t\r", "<html> & 'x' + y", "é ü ß", "日本語", "emoji 🎉", "\u2028\u2029", "…c3d4",
    ];

    private static readonly DateTimeOffset[] Times =
    [
        DateTimeOffset.UnixEpoch, new(2026, 3, 29, 1, 59, 59, TimeSpan.FromHours(1)), new DateTimeOffset(2026, 11, 23, 9, 0, 4, TimeSpan.Zero).AddTicks(1234567),
        new(2026, 10, 25, 2, 30, 0, TimeSpan.FromMinutes(330)), new(1999, 12, 31, 23, 59, 59, TimeSpan.FromHours(-12)),
    ];

    private static readonly long[] Numbers = [0, 1, -1, 272_000, long.MaxValue, long.MinValue];

    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RolloutState_IsWrittenAsTheSerializerWritesIt(int seed)
    {
        var random = new Random(seed);
        var state = new RolloutState(
            random.Next(3) == 0 ? null : new TokenUsage(Pick(random, Numbers), random.Next(1000), random.Next(10), Pick(random, Numbers), random.Next(99), random.Next(2)),
            random.Next(2) == 0, random.Next(2) == 0, random.Next(2) == 0, random.Next(2) == 0,
            Pick(random, Texts), Pick(random, Texts), Pick(random, Texts), Pick(random, Texts), Pick(random, Texts), Pick(random, Texts),
            random.Next(3) == 0 ? null : Pick(random, Numbers))
        {
            ForkedFrom = Pick(random, Texts),
            FirstPrompt = Pick(random, Texts),
            StartedAt = random.Next(3) == 0 ? null : Pick(random, Times),
            LastActivity = random.Next(3) == 0 ? null : Pick(random, Times),
            LastInputTokens = random.Next(3) == 0 ? null : Pick(random, Numbers),
        };

        var written = StoreJsonWriter.Write(state);
        Assert.Equal(JsonSerializer.Serialize(state, StoreJson.Default.RolloutState), written);
        Assert.Equal(state, JsonSerializer.Deserialize(written, StoreJson.Default.RolloutState));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RateLimitSnapshot_IsWrittenAsTheSerializerWritesIt(int seed)
    {
        var random = new Random(seed);
        double?[] percents = [null, 0, 12.5, 0.1, 1e-7, 1e20, 99.99999, 100];
        int?[] minutes = [null, 299, 300, 10080, 60, 0];
        decimal?[] balances = [null, 0m, 12.3400m, -1.5m, decimal.MaxValue];
        TimeSpan?[] spans = [null, TimeSpan.Zero, TimeSpan.FromSeconds(61.5), TimeSpan.FromDays(1.5), TimeSpan.FromTicks(-1), TimeSpan.FromMilliseconds(7)];
        var snapshot = new RateLimitSnapshot
        {
            Time = Pick(random, Times),
            PlanType = Pick(random, Texts),
            Windows = [.. Enumerable.Range(0, random.Next(4)).Select(_ => new RateLimitWindow(
                Pick(random, Texts) ?? "codex", Pick(random, Texts) ?? "primary", Pick(random, percents), Pick(random, minutes),
                random.Next(3) == 0 ? null : Pick(random, Times), Pick(random, Texts)))],
            Credits = random.Next(2) == 0 ? null : new CreditsState(random.Next(3) == 0 ? null : random.Next(2) == 0, random.Next(3) == 0 ? null : random.Next(2) == 0, Pick(random, balances)),
            Account = Pick(random, Texts),
            Api = random.Next(2) == 0 ? null : new ApiRateLimits(
                NullableNumber(random), NullableNumber(random), Pick(random, spans), NullableNumber(random), NullableNumber(random), Pick(random, spans), Pick(random, spans)),
        };

        var written = StoreJsonWriter.Write(snapshot);
        Assert.Equal(JsonSerializer.Serialize(snapshot, StoreJson.Default.RateLimitSnapshot), written);
        var back = JsonSerializer.Deserialize(written, StoreJson.Default.RateLimitSnapshot)!;
        Assert.Equal(written, StoreJsonWriter.Write(back));
    }

    [Fact]
    public void EachThread_WritesIntoItsOwnBuffer()
    {
        var states = Enumerable.Range(0, 2_000).Select(i => RolloutState.Start with { ThreadId = new string('t', i % 300), ContextWindow = i }).ToArray();
        var written = new string[states.Length];
        Parallel.For(0, states.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => written[i] = StoreJsonWriter.Write(states[i]));
        Assert.All(Enumerable.Range(0, states.Length), i => Assert.Equal(JsonSerializer.Serialize(states[i], StoreJson.Default.RolloutState), written[i]));
    }

    /// <summary>
    /// The properties <see cref="StoreJsonWriter"/> writes, type by type. A property added to one
    /// of these types fails here until the writer writes it too (the comparisons above would not
    /// notice one that their values leave null).
    /// </summary>
    [Theory]
    [InlineData(typeof(RolloutState), "LastTotal InOwnSession SawParentMeta Forked SawTotal ThreadId Model Effort Cwd Originator CliVersion ContextWindow ForkedFrom FirstPrompt StartedAt LastActivity LastInputTokens")]
    [InlineData(typeof(TokenUsage), "InputTokens CachedInputTokens CacheWriteTokens OutputTokens ReasoningTokens CacheWrite1hTokens TotalTokens UncachedInputTokens")]
    [InlineData(typeof(RateLimitSnapshot), "Time PlanType Windows Credits Account Api IsEmpty")]
    [InlineData(typeof(RateLimitWindow), "Family Slot UsedPercent WindowMinutes ResetsAt LimitName Kind")]
    [InlineData(typeof(CreditsState), "HasCredits Unlimited Balance")]
    [InlineData(typeof(ApiRateLimits), "LimitRequests RemainingRequests ResetRequests LimitTokens RemainingTokens ResetTokens RetryAfter")]
    public void EveryPropertyTheSerializerWrites_IsOneTheWriterWrites(Type type, string written)
    {
        var properties = type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .Select(p => p.Name);
        Assert.Equal(written.Split(' ').Order(), properties.Order());
    }

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];

    private static long? NullableNumber(Random random) => random.Next(3) == 0 ? null : Pick(random, Numbers);
}
