using Tollgate.Hosting;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.CodexLogs;

/// <summary>The gateway keeps the store current with the Codex home while it runs.</summary>
public sealed class ServeIngestsTests
{
    private const string Thread = "01a20846-0000-7000-8000-0000000000bb";

    private static string Count(string time, long input, long output) =>
        "{\"timestamp\":\"" + time + "\",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"input_tokens\":" + input
        + ",\"cached_input_tokens\":0,\"output_tokens\":" + output + ",\"reasoning_output_tokens\":0,\"total_tokens\":" + (input + output) + "}}}}\n";

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // Codex makes sessions/ at its first session, maybe after the gateway started
    public async Task NewAndAppendedSessionLines_AreIngestedWhileServing(bool sessionsFolderAtStart)
    {
        var dataDir = TestGateway.NewDataDir();
        var sessions = Path.Combine(dataDir, ".codex", "sessions", "2026", "11", "23");
        Directory.CreateDirectory(sessionsFolderAtStart ? sessions : Path.Combine(dataDir, ".codex"));
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir);
        var file = Path.Combine(sessions, $"rollout-2026-11-23T08-00-00-{Thread}.jsonl");
        await gateway.Services.GetRequiredService<CodexLogService>().RunNowAsync(TestContext.Current.CancellationToken); // the first run has watched the home

        // Well inside the minute between sweeps: what arrives in time came through a watcher.
        async Task<long> WaitForInputAsync(long expected)
        {
            for (var i = 0; i < 150; i++) // bounded: 15 s
            {
                var total = (await gateway.ReadStoreAsync()).Where(r => r.Source == "codex-log").Sum(r => r.Usage!.Value.InputTokens);
                if (total >= expected)
                {
                    return total;
                }

                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            return -1;
        }

        Directory.CreateDirectory(sessions);
        await File.WriteAllTextAsync(file,
            "{\"timestamp\":\"2026-11-23T08:00:00Z\",\"type\":\"session_meta\",\"payload\":{\"id\":\"" + Thread + "\"}}\n"
            + "{\"timestamp\":\"2026-11-23T08:00:01Z\",\"type\":\"turn_context\",\"payload\":{\"model\":\"gpt-5.1-codex\"}}\n"
            + Count("2026-11-23T08:00:02Z", 1000, 100), TestContext.Current.CancellationToken);
        Assert.Equal(1000, await WaitForInputAsync(1000));

        await File.AppendAllTextAsync(file, Count("2026-11-23T08:05:00Z", 3500, 300), TestContext.Current.CancellationToken);
        Assert.Equal(3500, await WaitForInputAsync(3500));
    }
}
