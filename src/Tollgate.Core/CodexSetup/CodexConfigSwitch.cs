using System.Runtime.Versioning;
using System.Text;
using Tollgate.Core.ClientSetup;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Tollgate.Core.CodexSetup;

/// <summary>
/// Puts the Codex CLI behind Tollgate and back by editing one key of <c>$CODEX_HOME/config.toml</c>
/// through Tomlyn's syntax tree, so comments, order, unknown tables and formatting stay as they
/// are. The key is the top-level <c>openai_base_url</c>: Codex keeps its built-in <c>openai</c>
/// provider and the user's own login, so sessions created while on are recorded with provider
/// <c>openai</c> and resume after <c>off</c> without any provider having to stay defined (a
/// custom provider id would have to stay in the file for ever, and <c>off</c> could not give the
/// original bytes back).
/// <para>
/// Before its first change, <c>on</c> saves the file byte for byte (<c>config.toml.tollgate-backup</c>,
/// written once) and a state file (<c>.tollgate-switch.json</c>: the URL and a hash of the file as
/// <c>on</c> left it). <c>off</c> restores the backup when the file still has that hash, and
/// otherwise removes only Tollgate's key, keeping the user's edits. Every write is a temporary
/// file renamed over the target, with the target's permissions; the steps are ordered so that a
/// crash between any two leaves a state <c>status</c> reports and <c>off</c> repairs.
/// </para>
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class CodexConfigSwitch(string codexHome)
{
    public const string Key = "openai_base_url";

    private readonly SwitchFiles _files = new(Path.Combine(codexHome, "config.toml"), new SwitchSubject("Codex", "codex", Key));

    public string ConfigPath => _files.TargetPath;
    public string BackupPath => _files.BackupPath;
    public string StatePath => _files.StatePath;

    public ClientSwitchResult Status()
    {
        var (bytes, doc) = Read();
        return _files.Status(bytes, FindKey(doc) is { } kv ? ValueOf(kv) : null, _files.ReadState());
    }

    /// <exception cref="ClientSwitchException">The file cannot be parsed, is read-only, or already points Codex elsewhere.</exception>
    public ClientSwitchResult On(string url)
    {
        if (!Directory.Exists(codexHome))
        {
            throw new ClientSwitchException($"the Codex home {codexHome} does not exist (run Codex once, or set CODEX_HOME / --home)", nothingThere: true);
        }

        var (bytes, doc) = Read();
        var existing = FindKey(doc);
        if (_files.IsAlreadyOn(existing is null ? null : ValueOf(existing), _files.ReadState(), url))
        {
            return new ClientSwitchResult(ClientSwitchState.On, $"already on: Codex goes through {url}");
        }

        if (FindTopLevel(doc, "model_provider") is { } provider && ValueOf(provider) is { } id && id != "openai")
        {
            throw new ClientSwitchException($"{ConfigPath} selects model_provider = \"{id}\", and Codex uses {Key} only for its built-in 'openai' provider: point that provider's base_url at {url} instead");
        }

        _files.RefuseReadOnly();
        if (existing is not null)
        {
            doc = SyntaxParser.Parse(WithoutKey(doc.ToString(), existing), ConfigPath, true); // our own entry, with an older URL
        }

        var updated = Encoding.UTF8.GetBytes(WithKey(doc, url));
        _files.Commit(bytes, new SwitchRecord(url, SwitchFiles.Hash(updated)), updated);
        return new ClientSwitchResult(ClientSwitchState.On, $"on: Codex goes through {url} (saved the original as {BackupPath})", Changed: true);
    }

    /// <exception cref="ClientSwitchException">The file cannot be parsed or is read-only, or there is nothing to switch off.</exception>
    public ClientSwitchResult Off()
    {
        var (bytes, doc) = Read();
        var existing = FindKey(doc);
        var current = existing is null ? null : ValueOf(existing);
        return _files.Off(bytes, current, _files.ReadState(), saved =>
            current is not null && current == saved.Url ? Encoding.UTF8.GetBytes(WithoutKey(doc.ToString(), existing!)) : null);
    }

    private (byte[] Bytes, DocumentSyntax Doc) Read()
    {
        var bytes = File.Exists(ConfigPath) ? File.ReadAllBytes(ConfigPath) : [];
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ClientSwitchException($"{ConfigPath} is not UTF-8 text; nothing was changed");
        }

        var doc = SyntaxParser.Parse(text, ConfigPath, true);
        if (doc.HasErrors)
        {
            throw new ClientSwitchException($"{ConfigPath} is not valid TOML, so it was left alone: {string.Join("; ", doc.Diagnostics.Select(d => d.ToString()))}");
        }

        if (doc.ToString() != text)
        {
            throw new ClientSwitchException($"{ConfigPath} would not be written back exactly as it is; nothing was changed");
        }

        return (bytes, doc);
    }

    /// <summary>The document with <c>openai_base_url</c> added as the last top-level key, in the file's own line endings.</summary>
    private static string WithKey(DocumentSyntax doc, string url)
    {
        var text = doc.ToString();
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var line = $"{Key} = \"{url}\"{newline}";
        if (doc.KeyValues.ChildrenCount == 0 && doc.Tables.ChildrenCount == 0)
        {
            return text + (text.Length == 0 || text.EndsWith('\n') ? "" : newline) + line; // empty, or comments only
        }

        // Top-level keys must come before the first table header. The line goes above it, and above
        // the comments and blank lines that lead up to it (they belong to that table).
        if (doc.Tables.ChildrenCount == 0)
        {
            return text + (text.EndsWith('\n') ? "" : newline) + line;
        }

        var at = StartOfLine(text, doc.Tables.GetChild(0)!.Span.Offset);
        while (at > 0)
        {
            var previous = StartOfLine(text, at - 1);
            var content = text[previous..at].Trim();
            if (content.Length > 0 && !content.StartsWith('#'))
            {
                break;
            }

            at = previous;
        }

        return text[..at] + line + text[at..];
    }

    /// <summary>
    /// The text without the key's line. Done on the text, not the tree: Tomlyn hangs the comments
    /// and blank lines that follow a key on it, and those are the user's.
    /// </summary>
    private static string WithoutKey(string text, KeyValueSyntax kv)
    {
        var start = StartOfLine(text, kv.Span.Offset);
        var end = text.IndexOf('\n', kv.Span.Offset); // a string value: one line
        end = end < 0 ? text.Length : end + 1;
        return text[..start] + text[end..];
    }

    private static int StartOfLine(string text, int offset)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        while (offset > 0 && text[offset - 1] != '\n')
        {
            offset--;
        }

        return offset;
    }

    private static KeyValueSyntax? FindKey(DocumentSyntax doc) => FindTopLevel(doc, Key);

    private static KeyValueSyntax? FindTopLevel(DocumentSyntax doc, string name)
    {
        foreach (var kv in doc.KeyValues)
        {
            if (kv.Key?.ToString().Trim().Trim('"', '\'') == name)
            {
                return kv;
            }
        }

        return null;
    }

    private static string? ValueOf(KeyValueSyntax kv) => kv.Value is StringValueSyntax s ? s.Value : kv.Value?.ToString().Trim();
}
