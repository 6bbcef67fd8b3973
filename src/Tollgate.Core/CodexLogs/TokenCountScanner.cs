using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Core.Usage;

namespace Tollgate.Core.CodexLogs;

/// <summary>What a <c>token_count</c> line holds for counting, read by the JSON parser or by <see cref="TokenCountScanner"/>.</summary>
internal readonly ref struct TokenCountLine
{
    /// <summary><c>payload.info</c> is an object (otherwise the line is a rate-limit-only snapshot).</summary>
    public bool InfoIsObject { get; init; }

    public TokenUsage? Total { get; init; }
    public TokenUsage? Last { get; init; }

    /// <summary><c>info.model_context_window</c>, when it is a whole number.</summary>
    public long? ContextWindow { get; init; }

    /// <summary><c>info.model</c>, when it is a non-empty string.</summary>
    public string? Model { get; init; }

    /// <summary><c>payload.rate_limits</c> is an object.</summary>
    public bool RateLimitsIsObject { get; init; }

    /// <summary>The line's root, when the parser read it: its <c>timestamp</c> is read from there.</summary>
    public JsonElement Root { get; init; }

    /// <summary>The <c>timestamp</c> value as written (quotes included), when the scanner read the line.</summary>
    public ReadOnlySpan<byte> QuotedTimestamp { get; init; }

    /// <summary>The line's time; null when it has none that can be read. Read only when a call is counted.</summary>
    public DateTimeOffset? Time() => QuotedTimestamp.IsEmpty ? RolloutCounter.ReadTime(Root) : TokenCountScanner.TimeOf(QuotedTimestamp);
}

/// <summary>
/// Reads the <c>token_count</c> lines Codex writes (about half of the lines a first ingest has to
/// parse, and most of their bytes) without System.Text.Json. In a short CLI run the parser's code
/// runs unoptimised for most of the time (ReadyToRun code of another assembly, then tier 0), which
/// made parsing these lines the largest single cost of a first ingest (bench/README.md). This
/// scanner is compiled ahead of time with Tollgate.
/// </summary>
/// <remarks>
/// It takes only lines it is sure of and leaves every other to the parser: the whole line must
/// follow JSON's grammar, be ASCII without escapes or control characters, nest at most
/// <see cref="MaxDepth"/> deep, name none of the fields it reads twice, and have a string
/// <c>timestamp</c> ending in <c>Z</c>. So a line it takes is one the parser takes too, and the
/// values are read with the parser's own rules (whole numbers as <c>TryGetInt64</c> reads them,
/// times as <c>TryGetDateTimeOffset</c> does). A test feeds the same lines, and damaged copies of
/// them, to both ways and compares every result.
/// </remarks>
internal static class TokenCountScanner
{
    /// <summary>Deeper lines are left to the parser (Codex's go four levels deep).</summary>
    public const int MaxDepth = 16;

    /// <summary>Reads a <c>token_count</c> line; false when the line is anything else or is not plain enough (the parser reads it then).</summary>
    public static bool TryRead(ReadOnlySpan<byte> line, out TokenCountLine found)
    {
        found = default;
        if (line[..Math.Min(line.Length, RolloutCounter.HeadBytes)].IndexOf("\"token_count\""u8) < 0) // where Codex writes a line's type
        {
            return false;
        }

        Span<Capture> captures = stackalloc Capture[(int)Slot.Count];
        captures.Clear();
        var scanner = new Scanner(line, captures);
        if (!scanner.Document())
        {
            return false;
        }

        var timestamp = captures[(int)Slot.Timestamp];
        if (!captures[(int)Slot.Type].Is(line, "\"event_msg\""u8)
            || captures[(int)Slot.Payload].Kind != Kind.Object
            || !captures[(int)Slot.PayloadType].Is(line, "\"token_count\""u8)
            || timestamp.Kind != Kind.String
            || !timestamp.Of(line).EndsWith("Z\""u8)
            || captures[(int)Slot.ContextWindow].Kind is not (Kind.None or Kind.Number))
        {
            return false; // left to the parser, which decides what such a line is
        }

        var model = captures[(int)Slot.Model];
        found = new TokenCountLine
        {
            InfoIsObject = captures[(int)Slot.Info].Kind == Kind.Object,
            Total = Usage(line, captures, Slot.Total),
            Last = Usage(line, captures, Slot.Last),
            ContextWindow = Long(line, captures[(int)Slot.ContextWindow]),
            Model = model.Kind == Kind.String && model.Length > 2 ? Encoding.ASCII.GetString(model.Of(line)[1..^1]) : null,
            RateLimitsIsObject = captures[(int)Slot.RateLimits].Kind == Kind.Object,
            QuotedTimestamp = timestamp.Of(line),
        };
        return true;
    }

    /// <summary>A time written as a JSON string: ISO 8601 as the parser reads it, else the invariant culture's reading, as UTC.</summary>
    internal static DateTimeOffset? TimeOf(ReadOnlySpan<byte> quoted)
    {
        var reader = new Utf8JsonReader(quoted);
        if (reader.Read() && reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var time))
        {
            return time;
        }

        return DateTimeOffset.TryParse(Encoding.ASCII.GetString(quoted[1..^1]), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
    }

    /// <summary>A usage object as <c>RolloutCounter</c> reads it.</summary>
    private static TokenUsage? Usage(ReadOnlySpan<byte> line, ReadOnlySpan<Capture> captures, Slot usage)
    {
        if (captures[(int)usage].Kind != Kind.Object)
        {
            return null;
        }

        var fields = captures.Slice((int)(usage == Slot.Total ? Slot.TotalInput : Slot.LastInput), (int)UsageField.Count);
        return RolloutCounter.UsageOf(
            Long(line, fields[(int)UsageField.Input]),
            Long(line, fields[(int)UsageField.Cached]),
            Long(line, fields[(int)UsageField.CacheRead]),
            Long(line, fields[(int)UsageField.CacheWrite]),
            Long(line, fields[(int)UsageField.Output]),
            Long(line, fields[(int)UsageField.Reasoning]));
    }

    /// <summary>A number that is a whole <see cref="long"/>, read as the parser's <c>TryGetInt64</c> reads it; null for anything else.</summary>
    private static long? Long(ReadOnlySpan<byte> line, Capture capture) =>
        capture.Kind == Kind.Number && Utf8Parser.TryParse(capture.Of(line), out long value, out var consumed) && consumed == capture.Length ? value : null;

    private enum Kind : byte
    {
        None,
        Object,
        Array,
        String,
        Number,
        Literal,
    }

    /// <summary>The fields the scanner keeps, each where it sits in the line.</summary>
    private enum Slot
    {
        Timestamp,
        Type,
        Payload,
        PayloadType,
        Info,
        RateLimits,
        Total,
        Last,
        ContextWindow,
        Model,
        TotalInput,
        LastInput = TotalInput + (int)UsageField.Count,
        Count = LastInput + (int)UsageField.Count,
    }

    /// <summary>The fields of a usage object, in the order of their slots.</summary>
    private enum UsageField
    {
        Input,
        Cached,
        CacheRead,
        CacheWrite,
        Output,
        Reasoning,
        Count,
    }

    /// <summary>The objects whose fields are kept.</summary>
    private enum Where
    {
        Elsewhere,
        Root,
        Payload,
        Info,
        Total,
        Last,
    }

    private readonly record struct Capture(Kind Kind, int Start, int Length)
    {
        public ReadOnlySpan<byte> Of(ReadOnlySpan<byte> line) => line.Slice(Start, Length);

        public bool Is(ReadOnlySpan<byte> line, ReadOnlySpan<byte> raw) => Kind != Kind.None && Of(line).SequenceEqual(raw);
    }

    /// <summary>Which kept field a key names in an object, if any.</summary>
    private static Slot? SlotOf(Where where, ReadOnlySpan<byte> key) => where switch
    {
        Where.Root when key.SequenceEqual("timestamp"u8) => Slot.Timestamp,
        Where.Root when key.SequenceEqual("type"u8) => Slot.Type,
        Where.Root when key.SequenceEqual("payload"u8) => Slot.Payload,
        Where.Payload when key.SequenceEqual("type"u8) => Slot.PayloadType,
        Where.Payload when key.SequenceEqual("info"u8) => Slot.Info,
        Where.Payload when key.SequenceEqual("rate_limits"u8) => Slot.RateLimits,
        Where.Info when key.SequenceEqual("total_token_usage"u8) => Slot.Total,
        Where.Info when key.SequenceEqual("last_token_usage"u8) => Slot.Last,
        Where.Info when key.SequenceEqual("model_context_window"u8) => Slot.ContextWindow,
        Where.Info when key.SequenceEqual("model"u8) => Slot.Model,
        Where.Total or Where.Last when UsageFieldOf(key) is { } field => (where == Where.Total ? Slot.TotalInput : Slot.LastInput) + (int)field,
        _ => null,
    };

    private static UsageField? UsageFieldOf(ReadOnlySpan<byte> key) =>
        key.SequenceEqual("input_tokens"u8) ? UsageField.Input
        : key.SequenceEqual("cached_input_tokens"u8) ? UsageField.Cached
        : key.SequenceEqual("cache_read_input_tokens"u8) ? UsageField.CacheRead
        : key.SequenceEqual("cache_write_input_tokens"u8) ? UsageField.CacheWrite
        : key.SequenceEqual("output_tokens"u8) ? UsageField.Output
        : key.SequenceEqual("reasoning_output_tokens"u8) ? UsageField.Reasoning
        : null;

    private static Where Inside(Slot slot) => slot switch
    {
        Slot.Payload => Where.Payload,
        Slot.Info => Where.Info,
        Slot.Total => Where.Total,
        Slot.Last => Where.Last,
        _ => Where.Elsewhere,
    };

    /// <summary>A strict walk over one line by JSON's grammar that notes where the kept fields are; false as soon as anything is not plain.</summary>
    private ref struct Scanner(ReadOnlySpan<byte> line, Span<Capture> captures)
    {
        private readonly ReadOnlySpan<byte> _line = line;
        private readonly Span<Capture> _captures = captures;
        private int _at;

        /// <summary>One object and nothing after it but blanks.</summary>
        public bool Document()
        {
            Blanks();
            if (!At((byte)'{') || !Object(Where.Root, 1))
            {
                return false;
            }

            Blanks();
            return _at == _line.Length;
        }

        private readonly bool At(byte b) => _at < _line.Length && _line[_at] == b;

        private void Blanks()
        {
            while (_at < _line.Length && _line[_at] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                _at++;
            }
        }

        private bool Value(Where inside, int depth, out Kind kind)
        {
            kind = Kind.None;
            if (_at >= _line.Length)
            {
                return false;
            }

            switch (_line[_at])
            {
                case (byte)'{':
                    kind = Kind.Object;
                    return Object(inside, depth + 1);
                case (byte)'[':
                    kind = Kind.Array;
                    return Array(depth + 1);
                case (byte)'"':
                    kind = Kind.String;
                    return String();
                case (byte)'t':
                    kind = Kind.Literal;
                    return Word("true"u8);
                case (byte)'f':
                    kind = Kind.Literal;
                    return Word("false"u8);
                case (byte)'n':
                    kind = Kind.Literal;
                    return Word("null"u8);
                default:
                    kind = Kind.Number;
                    return Number();
            }
        }

        private bool Object(Where where, int depth)
        {
            if (!Open((byte)'}', depth, out var empty))
            {
                return false;
            }

            if (empty)
            {
                return true;
            }

            while (true)
            {
                var keyStart = _at + 1;
                if (!At((byte)'"') || !String())
                {
                    return false;
                }

                var slot = where == Where.Elsewhere ? null : SlotOf(where, _line[keyStart..(_at - 1)]);
                Blanks();
                if (!At((byte)':'))
                {
                    return false;
                }

                _at++;
                Blanks();
                var valueStart = _at;
                if (!Value(slot is { } s ? Inside(s) : Where.Elsewhere, depth, out var kind))
                {
                    return false;
                }

                if (slot is { } kept)
                {
                    if (_captures[(int)kept].Kind != Kind.None)
                    {
                        return false; // named twice: which one counts is the parser's call
                    }

                    _captures[(int)kept] = new Capture(kind, valueStart, _at - valueStart);
                }

                if (!Next((byte)'}', out var more))
                {
                    return false;
                }

                if (!more)
                {
                    return true;
                }
            }
        }

        private bool Array(int depth)
        {
            if (!Open((byte)']', depth, out var empty))
            {
                return false;
            }

            if (empty)
            {
                return true;
            }

            while (true)
            {
                if (!Value(Where.Elsewhere, depth, out _) || !Next((byte)']', out var more))
                {
                    return false;
                }

                if (!more)
                {
                    return true;
                }
            }
        }

        /// <summary>Steps over an object's or array's opening bracket; <paramref name="empty"/> when its closing one follows at once (stepped over too).</summary>
        private bool Open(byte close, int depth, out bool empty)
        {
            empty = false;
            if (depth > MaxDepth)
            {
                return false;
            }

            _at++;
            Blanks();
            if (At(close))
            {
                _at++;
                empty = true;
            }

            return true;
        }

        /// <summary>After a member or an element: a comma (<paramref name="more"/> follow) or the closing bracket; false for anything else.</summary>
        private bool Next(byte close, out bool more)
        {
            Blanks();
            more = At((byte)',');
            if (!more && !At(close))
            {
                return false;
            }

            _at++;
            Blanks();
            return true;
        }

        /// <summary>A string of printable ASCII without escapes.</summary>
        private bool String()
        {
            for (_at++; _at < _line.Length; _at++)
            {
                var b = _line[_at];
                if (b == '"')
                {
                    _at++;
                    return true;
                }

                if (b is (byte)'\\' or < 0x20 or >= 0x7F)
                {
                    return false;
                }
            }

            return false;
        }

        private bool Word(ReadOnlySpan<byte> word)
        {
            if (!_line[_at..].StartsWith(word))
            {
                return false;
            }

            _at += word.Length;
            return true;
        }

        /// <summary><c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c></summary>
        private bool Number()
        {
            if (At((byte)'-'))
            {
                _at++;
            }

            if (At((byte)'0'))
            {
                _at++;
            }
            else if (!Digits())
            {
                return false;
            }

            if (At((byte)'.'))
            {
                _at++;
                if (!Digits())
                {
                    return false;
                }
            }

            if (At((byte)'e') || At((byte)'E'))
            {
                _at++;
                if (At((byte)'+') || At((byte)'-'))
                {
                    _at++;
                }

                if (!Digits())
                {
                    return false;
                }
            }

            return true;
        }

        private bool Digits()
        {
            var start = _at;
            while (_at < _line.Length && char.IsAsciiDigit((char)_line[_at]))
            {
                _at++;
            }

            return _at > start;
        }
    }
}
