using System.Text;
using Tollgate.Core.CodexLogs;
using Tollgate.Testing;
using static Tollgate.Core.Tests.CodexLogs.RolloutLines;

namespace Tollgate.Core.Tests.CodexLogs;

/// <summary>
/// <see cref="TokenCountScanner"/> reads plain <c>token_count</c> lines without the JSON parser.
/// Whatever it takes, it must read exactly as the parser does, and whatever it is not sure of it
/// must leave to the parser: each test feeds the same lines to a counter that scans and to one
/// that parses, and compares every result and the state carried to the next line.
/// </summary>
public sealed class TokenCountScannerTests : IDisposable
{
    private const string Thread = "01a20846-ae81-7313-836e-f02013860803";
    private const string Parent = "01a20800-0000-7000-8000-000000000001";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-scanner-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static (RolloutCounter Scanning, RolloutCounter Parsing) Pair(string? fileThreadId) =>
        (new RolloutCounter(fileThreadId) { DeferRateLimits = true }, new RolloutCounter(fileThreadId) { DeferRateLimits = true, ScanTokenCounts = false });

    /// <summary>Feeds each line to both counters and asserts the same outcome and the same state after it.</summary>
    private static void AssertSameBothWays((RolloutCounter Scanning, RolloutCounter Parsing) pair, byte[] line, string because)
    {
        var scanned = pair.Scanning.Read(line);
        var parsed = pair.Parsing.Read(line);
        Assert.True(parsed == scanned, $"{because}: the parser read {parsed}, the scanner {scanned}\n{Encoding.UTF8.GetString(line)}");
        Assert.True(pair.Parsing.State == pair.Scanning.State, $"{because}: the state after the line differs\n{Encoding.UTF8.GetString(line)}");
    }

    [Fact]
    public void TheLinesCodexWrites_AreScanned()
    {
        foreach (var line in new[]
        {
            TokenCount(3, UsageJson(1000, 800, 50, 20), UsageJson(1000, 800, 50, 20)),
            TokenCount(4, UsageJson(1000, 800, 50, 20), null),
            TokenCount(5, null, null, infoNull: true),
            """{"timestamp":"2026-06-12T03:09:54.754Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":689089,"cached_input_tokens":321721,"output_tokens":29638,"reasoning_output_tokens":7044,"total_tokens":718727},"last_token_usage":{"input_tokens":36265,"cached_input_tokens":1747,"output_tokens":1378,"reasoning_output_tokens":347,"total_tokens":37643},"model_context_window":258400},"rate_limits":{"primary":{"used_percent":54.1,"window_minutes":300,"resets_at":1781244594},"secondary":{"used_percent":72.6,"window_minutes":10080,"resets_at":1781579394},"plan_type":"plus","credits":null}}}""",
        })
        {
            Assert.True(TokenCountScanner.TryRead(Bytes(line), out _), line);
        }

        // Not plain enough: left to the parser.
        foreach (var line in new[]
        {
            """{"timestamp":"2026-11-23T09:00:03Z","type":"event_msg","payload":{"type":"token_count","info":{"model":"gpt\u002d5","total_token_usage":{"input_tokens":1,"output_tokens":1}}}}""",
            """{"timestamp":"2026-11-23T09:00:03Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1,"input_tokens":2,"output_tokens":1}}}}""",
            """{"timestamp":"2026-11-23T09:00:03Z","type":"event_msg","payload":{"type":"token_count","info":{"model":"gpt-5 ✓","total_token_usage":{"input_tokens":1,"output_tokens":1}}}}""",
            """{"timestamp":1795424403,"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1,"output_tokens":1}}}}""",
            """{"timestamp":"2026-11-23T09:00:03+01:00","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1,"output_tokens":1}}}}""",
            """{"timestamp":"2026-11-23T09:00:03Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1,"output_tokens":1}}}} {}""",
            """{"timestamp":"2026-11-23T09:00:03Z","type":"event_msg","payload":{"type":"token_count","info":{"model_context_window":"big","total_token_usage":{"input_tokens":1,"output_tokens":1}}}}""",
            TokenCount(6, UsageJson(1, 0, 1, 0), null)[..^1],
            TokenCount(7, UsageJson(1, 0, 1, 0), null, rateLimits: new string('[', 20) + new string(']', 20)),
            Turn("gpt-5", "high"),
        })
        {
            Assert.False(TokenCountScanner.TryRead(Bytes(line), out _), line);
        }
    }

    [Fact]
    public void AGeneratedHome_CountsTheSameBothWays()
    {
        var home = CodexHomeGenerator.Generate(Path.Combine(_dir.FullName, "codex"), new CodexHomeOptions { Seed = 11, Threads = 30 });
        var numeric = CodexHomeGenerator.Generate(Path.Combine(_dir.FullName, "numeric"), new CodexHomeOptions { Seed = 12, Threads = 10, NumericTimestamps = true });
        var scanned = 0;
        foreach (var file in Directory.GetFiles(home.Path, "*.jsonl", SearchOption.AllDirectories).Concat(Directory.GetFiles(numeric.Path, "*.jsonl", SearchOption.AllDirectories)))
        {
            var pair = Pair(RolloutReader.ThreadIdFromName(file));
            foreach (var line in File.ReadAllLines(file))
            {
                var bytes = Bytes(line);
                scanned += TokenCountScanner.TryRead(bytes, out _) ? 1 : 0;
                AssertSameBothWays(pair, bytes, Path.GetFileName(file));
            }
        }

        Assert.True(scanned > 100, $"only {scanned} lines were scanned: the scanner no longer takes the lines Codex writes");
    }

    /// <summary>Lines a scanner could get wrong: every one must end as the parser has it, scanned or not.</summary>
    [Theory]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1.0,"output_tokens":5}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1e3,"output_tokens":5E+1}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":-0,"output_tokens":99999999999999999999}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":"7","output_tokens":null,"reasoning_output_tokens":true}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"last_token_usage":{"input_tokens":70,"cache_read_input_tokens":30,"output_tokens":9}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"last_token_usage":{"input_tokens":70,"cached_input_tokens":20,"cache_read_input_tokens":30,"cache_write_input_tokens":5,"output_tokens":9}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"model":"gpt-5.2","total_token_usage":{"input_tokens":70,"output_tokens":9}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"model":"","total_token_usage":{"input_tokens":70,"output_tokens":9}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"model":7,"total_token_usage":{"input_tokens":70,"output_tokens":9},"model_context_window":1.5}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9},"model_context_window":"258400"}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":"none","rate_limits":{"primary":{"used_percent":5}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{},"rate_limits":[]}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","rate_limits":{"primary":{"used_percent":5}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}},"info":null}}""")]
    [InlineData("""{"timestamp":"nonsenseZ","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23 09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09.1234567Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09.123456789Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}}}}""")]
    [InlineData("""{"timestamp":"2026-02-30T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}}},"type":"event_msg"}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"user_message","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}},"note":"token_count"}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"response_item","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}}}}""")]
    [InlineData("""{ "timestamp" : "2026-11-23T09:00:09Z" , "type" : "event_msg" , "payload" : { "type" : "token_count" , "info" : { "total_token_usage" : { "input_tokens" : 70 , "output_tokens" : 9 } } } }""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9,}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":070,"output_tokens":9}}}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}},"extra":[1,[2,{"a":[]}],tru]}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}},"extra":"tab	inside"}}""")]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}}} """)]
    [InlineData("""{"timestamp":"2026-11-23T09:00:09Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":70,"output_tokens":9}}}}}""")]
    public void UnusualLines_CountTheSameBothWays(string line)
    {
        foreach (var (fileThread, prefix) in new[]
        {
            (Thread, new[] { Meta(Thread), Turn("gpt-5.1-codex", "high", 1) }),
            (Thread, new[] { Meta(Thread, forkedFrom: Parent), TokenCount(1, UsageJson(40, 0, 4, 0), null) }),
            (Thread, new[] { Meta(Parent), Turn("gpt-5", null, 1) }), // inside a sub-agent's replay
            (Thread, Array.Empty<string>()),
        })
        {
            var pair = Pair(fileThread);
            foreach (var before in prefix)
            {
                AssertSameBothWays(pair, Bytes(before), "prefix");
            }

            AssertSameBothWays(pair, Bytes(line), "the line");
            AssertSameBothWays(pair, Bytes(TokenCount(30, UsageJson(500, 100, 50, 5), UsageJson(100, 10, 10, 1))), "the line after it");
        }
    }

    /// <summary>Damaged copies of real lines: a byte changed, dropped or repeated anywhere. The scanner takes some and leaves others; none may differ.</summary>
    [Fact]
    public void DamagedLines_CountTheSameBothWays()
    {
        var random = new Random(20261203);
        var originals = new[]
        {
            TokenCount(3, UsageJson(1000, 800, 50, 20), UsageJson(1000, 800, 50, 20)),
            TokenCount(4, UsageJson(1000, 800, 50, 20), null, rateLimits: """{"primary_used_percent":12.5,"primary_window_minutes":300,"primary_reset_after_seconds":600}"""),
            TokenCount(5, null, null, infoNull: true),
        }.Select(Bytes).ToArray();
        ReadOnlySpan<byte> alphabet = "{}[]\",:0123456789.-+eEtrufalsn \\Zx"u8;
        for (var i = 0; i < 6_000; i++)
        {
            var line = originals[i % originals.Length].ToList();
            var at = random.Next(line.Count);
            switch (random.Next(3))
            {
                case 0:
                    line[at] = alphabet[random.Next(alphabet.Length)];
                    break;
                case 1:
                    line.RemoveAt(at);
                    break;
                default:
                    line.Insert(at, line[at]);
                    break;
            }

            var pair = Pair(Thread);
            AssertSameBothWays(pair, Bytes(Meta(Thread)), "meta");
            AssertSameBothWays(pair, Bytes(TokenCount(1, UsageJson(10, 0, 1, 0), UsageJson(10, 0, 1, 0))), "a first call");
            AssertSameBothWays(pair, [.. line], $"damage {i}");
        }
    }
}
