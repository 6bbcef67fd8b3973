using System.Text;
using System.Text.Json;
using Tollgate.Core.ClientSetup;

namespace Tollgate.Core.ClaudeSetup;

/// <summary>
/// A JSON file as people write it (comments, trailing commas, a BOM, CRLF, any indentation) read
/// as a list of tokens with their byte offsets, so that members can be inserted and removed in
/// the text itself: every byte Tollgate does not touch stays as it was. Never re-serialized.
/// </summary>
internal sealed class JsonText
{
    private static readonly JsonReaderOptions WithComments = new() { CommentHandling = JsonCommentHandling.Allow, AllowTrailingCommas = true };

    // Utf8JsonReader returning comments lets a missing comma after a comment pass ({"a": 1 // c
    // "b": 2}); skipping them, it does not. So the file is checked with Skip, and read with Allow.
    private static readonly JsonReaderOptions SkippingComments = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly List<Token> _tokens;

    private JsonText(byte[] bytes, List<Token> tokens)
    {
        Bytes = bytes;
        _tokens = tokens;
    }

    /// <summary>One token; <see cref="Start"/> and <see cref="End"/> are byte offsets in the whole file (BOM included).</summary>
    private readonly record struct Token(JsonTokenType Type, int Start, int End, int Depth, string? Text);

    /// <summary>A member of an object, by token index: its name, the first and the last token of its value.</summary>
    public readonly record struct Member(int Name, int Value, int ValueEnd);

    public byte[] Bytes { get; }

    /// <summary>The token index of the top-level value, or null when the file holds no value (empty, blank, or comments only).</summary>
    public int? Root { get; private init; }

    public string NewLine => Bytes.AsSpan().IndexOf("\r\n"u8) >= 0 ? "\r\n" : "\n";

    /// <exception cref="ClientSwitchException">Not JSON (even with comments and trailing commas): the message says where.</exception>
    public static JsonText Parse(byte[] bytes, string path)
    {
        var bom = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        JsonException? invalid = null;
        try
        {
            var check = new Utf8JsonReader(bytes.AsSpan(bom), SkippingComments);
            while (check.Read())
            {
            }
        }
        catch (JsonException e)
        {
            invalid = e;
        }

        var tokens = new List<Token>();
        var reader = new Utf8JsonReader(bytes.AsSpan(bom), WithComments);
        try
        {
            while (reader.Read())
            {
                var start = bom + (int)reader.TokenStartIndex;
                var (end, text) = reader.TokenType switch
                {
                    JsonTokenType.PropertyName or JsonTokenType.String => (start + reader.ValueSpan.Length + 2, reader.GetString()),
                    JsonTokenType.StartObject or JsonTokenType.EndObject or JsonTokenType.StartArray or JsonTokenType.EndArray => (start + 1, null),
                    _ => (bom + (int)reader.BytesConsumed, null), // a line comment ends after its line break
                };
                tokens.Add(new Token(reader.TokenType, start, end, reader.CurrentDepth, text));
            }
        }
        catch (JsonException e)
        {
            invalid ??= e;
        }

        if (invalid is not null)
        {
            if (tokens.All(t => t.Type == JsonTokenType.Comment) && IsBlank(bytes, tokens.Count == 0 ? bom : tokens[^1].End, bytes.Length))
            {
                return new JsonText(bytes, tokens); // nothing but white space and comments: no value yet
            }

            var reason = invalid.Message.Split(" LineNumber:")[0].TrimEnd();
            throw new ClientSwitchException($"{path} is not valid JSON at line {invalid.LineNumber + 1}, column {invalid.BytePositionInLine + 1} ({reason}); nothing was changed");
        }

        var root = tokens.FindIndex(t => t.Type != JsonTokenType.Comment);
        return new JsonText(bytes, tokens) { Root = root < 0 ? null : root };
    }

    /// <summary>Whether the bytes are plain JSON: no comments, no trailing commas (a BOM is fine).</summary>
    public static bool IsStrict(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes.AsSpan(bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0));
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public JsonTokenType TypeOf(int token) => _tokens[token].Type;

    /// <summary>The string a token holds (a member's name or a string value), else null.</summary>
    public string? StringOf(int token) => _tokens[token].Text;

    /// <summary>The members of the object starting at token <paramref name="obj"/>, in file order.</summary>
    public IEnumerable<Member> Members(int obj)
    {
        var depth = _tokens[obj].Depth;
        for (var i = obj + 1; i < _tokens.Count && !(_tokens[i].Type == JsonTokenType.EndObject && _tokens[i].Depth == depth); i++)
        {
            if (_tokens[i].Type != JsonTokenType.PropertyName || _tokens[i].Depth != depth + 1)
            {
                continue;
            }

            var value = NextSignificant(i + 1);
            var end = value;
            if (_tokens[value].Type is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                while (!(_tokens[end].Type is JsonTokenType.EndObject or JsonTokenType.EndArray && _tokens[end].Depth == _tokens[value].Depth))
                {
                    end++;
                }
            }

            yield return new Member(i, value, end);
            i = end;
        }
    }

    /// <summary>The member with that name (the last one when the name repeats: it is the one JSON readers keep).</summary>
    public Member? Find(int obj, string name) => Members(obj).Where(m => _tokens[m.Name].Text == name).Select(m => (Member?)m).LastOrDefault();

    /// <summary>True when the object holds nothing at all: no member, no comment.</summary>
    public bool IsEmptyObject(int obj) => _tokens[obj + 1].Type == JsonTokenType.EndObject;

    /// <summary>
    /// The file with <paramref name="members"/> (name and JSON text of the value) inserted as the
    /// first members of the object at <paramref name="obj"/>, laid out like the members around them.
    /// Inserting first means the only punctuation to add is the comma after the last new member.
    /// </summary>
    public byte[] InsertFirst(int obj, IReadOnlyList<(string Name, string Json)> members)
    {
        var layout = Layout(obj);
        var text = layout.Prefix + string.Join(layout.Separator, members.Select(m => Format(m.Name, m.Json))) + layout.Suffix;
        return Splice(Bytes, _tokens[obj].End, _tokens[obj].End, text);
    }

    /// <summary>JSON text for a new object holding <paramref name="members"/>, laid out for a place among the members of <paramref name="parent"/>.</summary>
    public string NewObject(int parent, IReadOnlyList<(string Name, string Json)> members)
    {
        var layout = Layout(parent);
        if (!layout.Multiline)
        {
            var space = layout.Separator[1..];
            return "{" + space + string.Join(layout.Separator, members.Select(m => Format(m.Name, m.Json))) + space + "}";
        }

        var inner = NewLine + layout.MemberIndent + IndentUnit();
        return "{" + inner + string.Join("," + inner, members.Select(m => Format(m.Name, m.Json))) + NewLine + layout.MemberIndent + "}";
    }

    /// <summary>
    /// The file with a new top-level object after whatever comments were there, holding one member
    /// <paramref name="name"/>: an object with <paramref name="members"/>. Two-space indent, as Claude Code writes.
    /// </summary>
    public byte[] WithNewRoot(string name, IReadOnlyList<(string Name, string Json)> members)
    {
        var nl = NewLine;
        var lead = Bytes.Length == 0 || Bytes[^1] == '\n' ? "" : nl;
        var inner = string.Join("," + nl + "    ", members.Select(m => Format(m.Name, m.Json)));
        return Splice(Bytes, Bytes.Length, Bytes.Length, $"{lead}{{{nl}  {Format(name, "{" + nl + "    " + inner + nl + "  }")}{nl}}}{nl}");
    }

    /// <summary>
    /// The file without member <paramref name="m"/> of object <paramref name="obj"/>: with the white
    /// space before it and the comma after it, or, for the last member, the comma before it.
    /// Comments around it stay.
    /// </summary>
    public byte[] Remove(int obj, Member m)
    {
        var previous = PreviousSignificant(m.Name - 1);
        var commaBefore = previous == obj ? null : CommaBetween(previous, m.Name);
        var start = Math.Max(_tokens[m.Name - 1].End, commaBefore + 1 ?? 0);
        if (CommaBetween(m.ValueEnd, NextSignificant(m.ValueEnd + 1)) is { } commaAfter)
        {
            return Splice(Bytes, start, commaAfter + 1, "");
        }

        var without = Splice(Bytes, start, _tokens[m.ValueEnd].End, "");
        return commaBefore is { } comma ? Splice(without, comma, comma + 1, "") : without;
    }

    private string Format(string name, string json) => JsonSerializer.Serialize(name) + ColonStyle() + json;

    /// <summary>How new members go into an object: before them, between them, after them; the indent of its members, and whether they go on lines of their own.</summary>
    private (string Prefix, string Separator, string Suffix, string MemberIndent, bool Multiline) Layout(int obj)
    {
        var nl = NewLine;
        var open = _tokens[obj].End;
        if (Members(obj).Select(m => (Member?)m).FirstOrDefault() is { } first)
        {
            var gap = Encoding.UTF8.GetString(Bytes, open, _tokens[first.Name].Start - open);
            if (gap.Contains('\n', StringComparison.Ordinal))
            {
                var memberIndent = IndentOf(_tokens[first.Name].Start);
                return (nl + memberIndent, "," + nl + memberIndent, ",", memberIndent, true);
            }

            var spaces = gap[..(gap.Length - gap.TrimStart(' ', '\t').Length)];
            return (spaces, "," + (spaces.Length > 0 || ColonStyle().EndsWith(' ') ? " " : ""), ",", "", false);
        }

        // An empty object: members on lines of their own, unless the file is minified.
        var close = _tokens.FindIndex(obj + 1, t => t.Type == JsonTokenType.EndObject && t.Depth == _tokens[obj].Depth);
        var child = IndentOf(_tokens[obj].Start) + IndentUnit();
        if (Bytes.AsSpan(open, _tokens[close].Start - open).Contains((byte)'\n'))
        {
            return (nl + child, "," + nl + child, "", child, true); // the line break before '}' is there already
        }

        return IsMinified()
            ? ("", "," + (ColonStyle().EndsWith(' ') ? " " : ""), "", "", false)
            : (nl + child, "," + nl + child, nl + IndentOf(_tokens[obj].Start), child, true);
    }

    /// <summary>A top-level object with members, all on one line.</summary>
    private bool IsMinified()
    {
        if (Root is not { } root || Members(root).Select(m => (Member?)m).FirstOrDefault() is null)
        {
            return false;
        }

        var close = _tokens.FindLastIndex(t => t.Type == JsonTokenType.EndObject && t.Depth == _tokens[root].Depth);
        return !Bytes.AsSpan(_tokens[root].Start, _tokens[close].End - _tokens[root].Start).Contains((byte)'\n');
    }

    /// <summary>The file's indent step, from the first top-level member that starts a line; two spaces (Claude Code's own) when none does.</summary>
    private string IndentUnit()
    {
        foreach (var t in _tokens)
        {
            if (t.Type == JsonTokenType.PropertyName && t.Depth == 1 && LineStart(t.Start) + IndentOf(t.Start).Length == t.Start && IndentOf(t.Start).Length > 0)
            {
                var own = IndentOf(t.Start);
                var rootIndent = IndentOf(_tokens[Root!.Value].Start);
                return own.Length > rootIndent.Length && own.StartsWith(rootIndent, StringComparison.Ordinal) ? own[rootIndent.Length..] : own;
            }
        }

        return "  ";
    }

    /// <summary>What the file puts between a member's name and its value (<c>": "</c> or <c>":"</c>).</summary>
    private string ColonStyle()
    {
        var name = _tokens.FindIndex(t => t.Type == JsonTokenType.PropertyName);
        if (name >= 0 && name + 1 < _tokens.Count && _tokens[name + 1].Type != JsonTokenType.Comment)
        {
            var between = Encoding.UTF8.GetString(Bytes, _tokens[name].End, _tokens[name + 1].Start - _tokens[name].End);
            if (between.Trim() == ":" && !between.Contains('\n', StringComparison.Ordinal))
            {
                return between;
            }
        }

        return ": ";
    }

    /// <summary>The spaces and tabs that begin the line holding <paramref name="offset"/>.</summary>
    private string IndentOf(int offset)
    {
        var start = LineStart(offset);
        var end = start;
        while (end < Bytes.Length && Bytes[end] is (byte)' ' or (byte)'\t')
        {
            end++;
        }

        return Encoding.UTF8.GetString(Bytes, start, end - start);
    }

    private int LineStart(int offset)
    {
        while (offset > 0 && Bytes[offset - 1] != '\n')
        {
            offset--;
        }

        return offset;
    }

    /// <summary>The offset of the comma between two tokens, outside the comments between them.</summary>
    private int? CommaBetween(int before, int after)
    {
        var from = _tokens[before].End;
        for (var i = before + 1; i <= after && i < _tokens.Count; i++)
        {
            var comma = Bytes.AsSpan(from, _tokens[i].Start - from).IndexOf((byte)',');
            if (comma >= 0)
            {
                return from + comma;
            }

            from = _tokens[i].End;
        }

        return null;
    }

    private int NextSignificant(int i)
    {
        while (_tokens[i].Type == JsonTokenType.Comment)
        {
            i++;
        }

        return i;
    }

    private int PreviousSignificant(int i)
    {
        while (_tokens[i].Type == JsonTokenType.Comment)
        {
            i--;
        }

        return i;
    }

    private static bool IsBlank(byte[] bytes, int from, int to) => bytes.AsSpan(from, to - from).Trim(" \t\r\n"u8).IsEmpty;

    private static byte[] Splice(byte[] bytes, int start, int end, string insert) =>
        [.. bytes.AsSpan(0, start), .. Encoding.UTF8.GetBytes(insert), .. bytes.AsSpan(end)];
}
