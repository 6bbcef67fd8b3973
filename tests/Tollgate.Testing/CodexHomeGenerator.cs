using System.Globalization;
using System.Text;
using Tollgate.Core.Usage;

namespace Tollgate.Testing;

/// <summary>What kind of Codex home to generate.</summary>
public sealed record CodexHomeOptions
{
    public int Seed { get; init; } = 7;

    /// <summary>Ordinary threads (forks and sub-agents come on top).</summary>
    public int Threads { get; init; } = 40;

    /// <summary>Keep adding threads until the home holds this many bytes (for benchmarks); overrides <see cref="Threads"/>.</summary>
    public long? TargetBytes { get; init; }

    /// <summary>First day; the default range crosses three months and Europe's DST change of 25 October 2026.</summary>
    public DateTimeOffset Start { get; init; } = new(2026, 9, 20, 0, 0, 0, TimeSpan.Zero);
    public int Days { get; init; } = 70;
    /// <summary>Some threads are resumed 3–20 days later, appending to the same file.</summary>
    public bool Resumes { get; init; } = true;
    public bool Forks { get; init; } = true;
    public bool SubAgents { get; init; } = true;
    public bool ArchivedCopies { get; init; } = true;
    public bool Malformed { get; init; } = true;

    /// <summary>Some threads stamp lines with epoch seconds or milliseconds instead of ISO text.</summary>
    public bool NumericTimestamps { get; init; }

    /// <summary>Bytes of assistant text written before each call (real homes are mostly such lines).</summary>
    public int FillerBytesPerCall { get; init; } = 200;

    public string[] Models { get; init; } = ["gpt-5.1-codex", "gpt-5.2", "gpt-5-codex", "gpt-5.1-codex-mini"];
    public string?[] Efforts { get; init; } = ["low", "medium", "high", null];

    /// <summary>The directories threads work in (their <c>turn_context</c>'s cwd), one per thread, picked by its id.</summary>
    public string[] Directories { get; init; } = ["/home/dev/project"];
}

/// <summary>A call the home really holds: what an exact counter must find, once.</summary>
public sealed record GeneratedCall(string ThreadId, DateTimeOffset Time, string Model, string? Effort, TokenUsage Usage);

/// <summary>A generated home and the truth about it.</summary>
public sealed class GeneratedHome
{
    public required string Path { get; init; }
    public List<GeneratedCall> Calls { get; } = [];
    public List<(string ThreadId, DateTimeOffset Time)> Messages { get; } = [];

    /// <summary>Token totals that a counter which replays a fork's or sub-agent's parent history would add on top of the truth, per thread.</summary>
    public Dictionary<string, TokenUsage> ReplayedParentShare { get; } = [];

    /// <summary>Forked and sub-agent threads, and which parent each one came from.</summary>
    public Dictionary<string, string> Children { get; } = [];

    /// <summary>The sub-agent threads (their files begin with the parent's replayed history).</summary>
    public HashSet<string> SubAgents { get; } = [];
    public HashSet<string> ArchivedOnly { get; } = [];
    public int Files { get; set; }
    public int ArchivedCopies { get; set; }
    public int MalformedLines { get; set; }
    public long Bytes { get; set; }

    /// <summary>The latest usage-limit snapshot written: time, 5-hour and weekly used percent.</summary>
    public (DateTimeOffset Time, double FiveHour, double Weekly) LatestLimits { get; set; }

    public TokenUsage Total => Sum(Calls);

    public SortedDictionary<DateOnly, TokenUsage> ByDay(TimeZoneInfo zone) =>
        Group(c => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(c.Time, zone).DateTime));

    public SortedDictionary<string, TokenUsage> ByMonth(TimeZoneInfo zone) =>
        Group(c => TimeZoneInfo.ConvertTime(c.Time, zone).ToString("yyyy-MM", CultureInfo.InvariantCulture));

    public SortedDictionary<string, TokenUsage> ByThread() => Group(c => c.ThreadId);

    private SortedDictionary<TKey, TokenUsage> Group<TKey>(Func<GeneratedCall, TKey> key)
        where TKey : notnull
    {
        var groups = new SortedDictionary<TKey, TokenUsage>();
        foreach (var call in Calls)
        {
            groups[key(call)] = groups.GetValueOrDefault(key(call)) + call.Usage;
        }

        return groups;
    }

    private static TokenUsage Sum(IEnumerable<GeneratedCall> calls) => calls.Aggregate(default(TokenUsage), (a, c) => a + c.Usage);
}

/// <summary>
/// Writes Codex homes in the shape Codex 0.169 writes them (and older shapes where the options
/// ask), with the traps every tracker fell into: re-emitted snapshots, resumed sessions weeks
/// later, forks whose first total includes the parent's, sub-agent files that replay their
/// parent's history, copies in <c>archived_sessions/</c>, malformed lines, calls around local
/// midnight and across a DST change. Deterministic for a seed; the returned
/// <see cref="GeneratedHome"/> holds the exact calls.
/// </summary>
public static class CodexHomeGenerator
{
    public static GeneratedHome Generate(string home, CodexHomeOptions? options = null)
    {
        options ??= new CodexHomeOptions();
        var random = new Random(options.Seed);
        var result = new GeneratedHome { Path = home };
        for (var i = 0; options.TargetBytes is { } target ? result.Bytes < target : i < options.Threads; i++)
        {
            var start = options.Start.AddDays(random.Next(options.Days)).AddMinutes(random.Next(24 * 60));
            if (random.Next(5) == 0)
            {
                start = start.Date.AddHours(22).AddMinutes(random.Next(120)); // around midnight in Europe and UTC
            }

            var thread = new ThreadLog(NewId(random, start), start, options, random, result);
            thread.Meta(thread.Id, null);
            thread.Burst(random.Next(2, 12));
            if (options.Resumes && random.Next(5) == 0)
            {
                thread.Resume(TimeSpan.FromDays(random.Next(3, 20)), random.Next(1, 5)); // appended to the same file weeks later
            }

            Finish(thread, result, options, random);

            if (options.Forks && random.Next(6) == 0)
            {
                var fork = new ThreadLog(NewId(random, thread.Clock), thread.Clock.AddMinutes(2), options, random, result);
                fork.Meta(fork.Id, forkedFrom: thread.Id);
                fork.InheritTotal(thread.Total);
                fork.Burst(random.Next(1, 5));
                result.Children[fork.Id] = thread.Id;
                result.ReplayedParentShare[fork.Id] = thread.Total;
                Finish(fork, result, options, random);
            }

            if (options.SubAgents && random.Next(6) == 0)
            {
                var child = new ThreadLog(NewId(random, thread.Clock), thread.Clock.AddMinutes(1), options, random, result);
                child.ReplayParent(thread);
                child.Meta(child.Id, null);
                child.Burst(random.Next(1, 4));
                result.Children[child.Id] = thread.Id;
                result.SubAgents.Add(child.Id);
                result.ReplayedParentShare[child.Id] = thread.Total;
                Finish(child, result, options, random);
            }
        }

        return result;
    }

    private static void Finish(ThreadLog thread, GeneratedHome result, CodexHomeOptions options, Random random)
    {
        var sessions = Path.Combine(result.Path, "sessions", thread.Started.ToString("yyyy", CultureInfo.InvariantCulture),
            thread.Started.ToString("MM", CultureInfo.InvariantCulture), thread.Started.ToString("dd", CultureInfo.InvariantCulture));
        var name = $"rollout-{thread.Started.ToString("yyyy-MM-ddTHH-mm-ss", CultureInfo.InvariantCulture)}-{thread.Id}.jsonl";
        var archived = Path.Combine(result.Path, "archived_sessions");
        var bytes = thread.Bytes();
        var where = options.ArchivedCopies ? random.Next(10) : 9;
        if (where == 0)
        {
            WriteFile(Path.Combine(archived, name), bytes); // archived: only there
            result.ArchivedOnly.Add(thread.Id);
        }
        else
        {
            WriteFile(Path.Combine(sessions, name), bytes);
            if (where == 1)
            {
                WriteFile(Path.Combine(archived, name), bytes); // and a copy: counted once
                result.ArchivedCopies++;
            }
        }

        result.Files++;
        result.Bytes += bytes.Length;
    }

    private static void WriteFile(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>A UUIDv7-shaped id whose time part is the thread's start, as Codex makes them.</summary>
    private static string NewId(Random random, DateTimeOffset time)
    {
        var ms = time.ToUnixTimeMilliseconds();
        Span<byte> tail = stackalloc byte[10];
        random.NextBytes(tail);
        return string.Create(CultureInfo.InvariantCulture, $"{ms >> 16:x8}-{ms & 0xFFFF:x4}-7{tail[0] & 0xF:x1}{tail[1]:x2}-{0x80 | (tail[2] & 0x3F):x2}{tail[3]:x2}-{Convert.ToHexStringLower(tail[4..10])}");
    }

    /// <summary>One thread's file being written, line by line, with the running cumulative total.</summary>
    private sealed class ThreadLog(string id, DateTimeOffset start, CodexHomeOptions options, Random random, GeneratedHome result)
    {
        private static readonly string FillerLine = "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\""
            + string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog while the build runs and the tests pass. ", 46)) + "\"}]}";
        private readonly StringBuilder _text = new();
        private readonly int _timestampStyle = options.NumericTimestamps ? random.Next(3) : 0;
        private string _model = options.Models[random.Next(options.Models.Length)];
        private string? _effort = options.Efforts[random.Next(options.Efforts.Length)];
        private readonly string _cwd = options.Directories[(int)(Convert.ToUInt32(id[^8..], 16) % (uint)options.Directories.Length)];

        public string Id { get; } = id;
        public DateTimeOffset Started { get; } = start;
        public DateTimeOffset Clock { get; private set; } = start;
        public TokenUsage Total { get; private set; }
        public List<TokenUsage> Totals { get; } = [];

        public byte[] Bytes() => Encoding.UTF8.GetBytes(_text.ToString());

        public void Meta(string threadId, string? forkedFrom) =>
            Line("session_meta", $$"""{"id":"{{threadId}}","session_id":"{{threadId}}","timestamp":"{{Iso(Clock)}}","cwd":"/home/dev/project-{{threadId[^2..]}}","originator":"codex_cli_rs","cli_version":"0.169.0","source":"cli","model_provider":"openai"{{(forkedFrom is null ? "" : $",\"forked_from_id\":\"{forkedFrom}\"")}}}""");

        public void InheritTotal(TokenUsage parent) => Total = parent;

        /// <summary>A sub-agent file: the parent's meta and its snapshots, stamped now, before the child's own meta.</summary>
        public void ReplayParent(ThreadLog parent)
        {
            Meta(parent.Id, null);
            foreach (var total in parent.Totals)
            {
                TokenCount(total, null, limits: false);
            }

            Total = parent.Total;
        }

        public void Burst(int turns)
        {
            for (var turn = 0; turn < turns; turn++)
            {
                Tick(5, 90);
                UserMessage();
                if (turn == 0 || random.Next(4) == 0)
                {
                    _model = turn == 0 ? _model : options.Models[random.Next(options.Models.Length)];
                    _effort = turn == 0 ? _effort : options.Efforts[random.Next(options.Efforts.Length)];
                    var effort = _effort is null ? "" : $",\"effort\":\"{_effort}\""; // absent: the model's default
                    Line("turn_context", $$"""{"turn_id":"t{{turn}}","cwd":"{{_cwd}}","model":"{{_model}}"{{effort}},"approval_policy":"on-request"}""");
                }

                for (var call = random.Next(1, 4); call > 0; call--)
                {
                    Tick(2, 60);
                    Call();
                    if (random.Next(4) == 0)
                    {
                        Tick(1, 3);
                        TokenCount(Total, Totals.Count > 0 ? _lastUsage : null, limits: true); // a re-emitted snapshot: same total
                    }
                }

                if (random.Next(8) == 0)
                {
                    Tick(1, 2);
                    Line("event_msg", "{\"type\":\"token_count\",\"info\":null" + RateLimits() + "}"); // limits only
                }

                if (options.Malformed && random.Next(15) == 0)
                {
                    _text.Append("{\"timestamp\":\"").Append(Iso(Clock)).Append("\",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":{\"total_tok\n");
                    _text.Append("\u0001\u00ff garbage \u0000 bytes\n");
                    result.MalformedLines += 2;
                }
            }
        }

        public void Resume(TimeSpan after, int turns)
        {
            Clock += after;
            Burst(turns);
        }

        private TokenUsage _lastUsage;

        private void Call()
        {
            var input = random.Next(1_000, 60_000);
            var cached = (long)(input * random.NextDouble() * 0.9);
            var output = random.Next(20, 3_000);
            var reasoning = (long)(output * random.NextDouble() * 0.6);
            var usage = new TokenUsage(input, cached, 0, output, reasoning);
            // Reasoning, tool calls and messages: lines of up to 4 KB, most of a real file's bytes.
            for (var left = options.FillerBytesPerCall; left > 0; left -= FillerLine.Length)
            {
                Line("response_item", FillerLine);
            }

            Total += usage;
            _lastUsage = usage;
            Totals.Add(Total);
            TokenCount(Total, usage, limits: true);
            result.Calls.Add(new GeneratedCall(Id, Truncated(Clock), _model, _effort, usage));
        }

        private void UserMessage()
        {
            var text = $"please fix the failing test number {random.Next(1000)}";
            if (random.Next(2) == 0)
            {
                Line("event_msg", $$$"""{"type":"item_completed","thread_id":"{{{Id}}}","item":{"type":"UserMessage","id":"u{{{random.Next()}}}","content":[{"type":"text","text":"{{{text}}}","text_elements":[]}]}}""");
            }
            else
            {
                Line("event_msg", $$"""{"type":"user_message","message":"{{text}}","images":[]}""");
            }

            result.Messages.Add((Id, Truncated(Clock)));
        }

        private void TokenCount(TokenUsage total, TokenUsage? last, bool limits)
        {
            var lastJson = last is { } l ? $",\"last_token_usage\":{Usage(l)}" : "";
            Line("event_msg", $$"""{"type":"token_count","info":{"total_token_usage":{{Usage(total)}}{{lastJson}},"last_usage_includes_reasoning":false,"model_context_window":258400}{{(limits ? RateLimits() : "")}}}""");
        }

        /// <summary>A <c>rate_limits</c> member with a 5-hour and a weekly window, remembered when it is the home's latest.</summary>
        private string RateLimits()
        {
            var fiveHour = Math.Round(random.NextDouble() * 100, 1);
            var weekly = Math.Round(random.NextDouble() * 100, 1);
            if (Clock >= result.LatestLimits.Time)
            {
                result.LatestLimits = (Truncated(Clock), fiveHour, weekly);
            }

            return $$""","rate_limits":{"limit_id":"codex","primary":{"used_percent":{{Num(fiveHour)}},"window_minutes":300,"resets_at":{{Clock.AddHours(3).ToUnixTimeSeconds()}}},"secondary":{"used_percent":{{Num(weekly)}},"window_minutes":10080,"resets_at":{{Clock.AddDays(4).ToUnixTimeSeconds()}}},"plan_type":"plus"}""";
        }

        private static string Usage(TokenUsage u) =>
            $$"""{"input_tokens":{{u.InputTokens}},"cached_input_tokens":{{u.CachedInputTokens}},"cache_write_input_tokens":0,"output_tokens":{{u.OutputTokens}},"reasoning_output_tokens":{{u.ReasoningTokens}},"total_tokens":{{u.TotalTokens}}}""";

        private void Line(string type, string payload)
        {
            var stamp = _timestampStyle switch
            {
                1 => Clock.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                2 => Clock.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                _ => "\"" + Iso(Clock) + "\"",
            };
            _text.Append("{\"timestamp\":").Append(stamp).Append(",\"type\":\"").Append(type).Append("\",\"payload\":").Append(payload).Append("}\n");
        }

        /// <summary>The time as the line states it (seconds-stamped lines lose the milliseconds).</summary>
        private DateTimeOffset Truncated(DateTimeOffset t) => _timestampStyle == 1 ? DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds()) : t;

        private void Tick(int minSeconds, int maxSeconds) => Clock = Clock.AddMilliseconds(random.Next(minSeconds * 1000, maxSeconds * 1000));

        private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

        private static string Num(double d) => d.ToString("0.0", CultureInfo.InvariantCulture);
    }
}
