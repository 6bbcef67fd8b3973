using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Tollgate.Core.CodexSetup;

/// <summary>Where a Codex home's config stands with respect to Tollgate.</summary>
public enum CodexSwitchState
{
    /// <summary>No Tollgate entry and nothing left over.</summary>
    Off,

    /// <summary>Tollgate's entry is in, and the file is as <c>on</c> left it (<c>off</c> restores the saved bytes).</summary>
    On,

    /// <summary>Tollgate's entry is in, and the user changed other parts since (<c>off</c> removes only the entry).</summary>
    OnEdited,

    /// <summary>A switch was interrupted (a crash or kill between its steps); <c>off</c> or <c>on</c> repairs it.</summary>
    Interrupted,
}

/// <summary>What <see cref="CodexConfigSwitch"/> found or did.</summary>
public sealed record CodexSwitchResult(CodexSwitchState State, string Message, bool Changed = false);

/// <summary>A config the switch will not touch, with the reason (shown as is).</summary>
/// <param name="nothingThere">The Codex home is missing, or there is nothing to switch off (as opposed to a file the switch refuses).</param>
public sealed class CodexSwitchException(string message, bool nothingThere = false) : Exception(message)
{
    public bool NothingThere { get; } = nothingThere;
}

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

    public string ConfigPath { get; } = Path.Combine(codexHome, "config.toml");
    public string BackupPath => ConfigPath + ".tollgate-backup";
    public string StatePath => Path.Combine(codexHome, ".tollgate-switch.json");

    public CodexSwitchResult Status()
    {
        var (bytes, doc) = Read();
        var saved = ReadState();
        var current = FindKey(doc);
        if (current is null)
        {
            return saved is not null || File.Exists(BackupPath)
                ? new CodexSwitchResult(CodexSwitchState.Interrupted, $"a switch of {ConfigPath} was interrupted; run 'tollgate codex off' (or 'on') to finish it")
                : new CodexSwitchResult(CodexSwitchState.Off, $"off: {ConfigPath} does not send Codex through Tollgate");
        }

        var url = ValueOf(current);
        if (saved is null || url != saved.Url)
        {
            return new CodexSwitchResult(CodexSwitchState.Off, $"off: {ConfigPath} sets {Key} = \"{url}\", which Tollgate did not put there");
        }

        return Hash(bytes) == saved.AfterHash
            ? new CodexSwitchResult(CodexSwitchState.On, $"on: Codex goes through {url} ({ConfigPath})")
            : new CodexSwitchResult(CodexSwitchState.OnEdited, $"on: Codex goes through {url}; {ConfigPath} was edited since, and 'off' will keep those edits");
    }

    /// <exception cref="CodexSwitchException">The file cannot be parsed, is read-only, or already points Codex elsewhere.</exception>
    public CodexSwitchResult On(string url)
    {
        if (!Directory.Exists(codexHome))
        {
            throw new CodexSwitchException($"the Codex home {codexHome} does not exist (run Codex once, or set CODEX_HOME / --home)", nothingThere: true);
        }

        var (bytes, doc) = Read();
        var existing = FindKey(doc);
        var saved = ReadState();
        if (existing is not null)
        {
            var value = ValueOf(existing);
            if (value == url && saved?.Url == url)
            {
                return new CodexSwitchResult(CodexSwitchState.On, $"already on: Codex goes through {url}");
            }

            if (saved?.Url != value)
            {
                throw new CodexSwitchException($"{ConfigPath} already sets {Key} = \"{value}\" (another proxy?): remove that line first, then run 'tollgate codex on' again");
            }
        }

        if (FindTopLevel(doc, "model_provider") is { } provider && ValueOf(provider) is { } id && id != "openai")
        {
            throw new CodexSwitchException($"{ConfigPath} selects model_provider = \"{id}\", and Codex uses {Key} only for its built-in 'openai' provider: point that provider's base_url at {url} instead");
        }

        RefuseReadOnly();

        // Order matters for crashes: backup (once), then the state with the hash to expect, then the file.
        if (!File.Exists(BackupPath))
        {
            WriteAtomically(BackupPath, bytes, ConfigPath);
        }

        if (existing is not null)
        {
            doc = SyntaxParser.Parse(WithoutKey(doc.ToString(), existing), ConfigPath, true); // our own entry, with an older URL
        }

        var updated = Encoding.UTF8.GetBytes(WithKey(doc, url));
        WriteState(new SwitchState(url, Hash(updated)));
        WriteAtomically(ConfigPath, updated, File.Exists(ConfigPath) ? ConfigPath : null);
        return new CodexSwitchResult(CodexSwitchState.On, $"on: Codex goes through {url} (saved the original as {BackupPath})", Changed: true);
    }

    /// <exception cref="CodexSwitchException">The file cannot be parsed or is read-only, or there is nothing to switch off.</exception>
    public CodexSwitchResult Off()
    {
        var (bytes, doc) = Read();
        var saved = ReadState();
        var existing = FindKey(doc);
        var ours = existing is not null && saved is not null && ValueOf(existing) == saved.Url;
        if (!ours && saved is null && !File.Exists(BackupPath))
        {
            throw new CodexSwitchException($"Tollgate is not switched on in {ConfigPath}: nothing to switch off", nothingThere: true);
        }

        if (ours || saved is not null)
        {
            RefuseReadOnly();
        }

        string message;
        if (ours && Hash(bytes) == saved!.AfterHash && File.Exists(BackupPath))
        {
            WriteAtomically(ConfigPath, File.ReadAllBytes(BackupPath), ConfigPath); // untouched since: the original bytes
            message = $"off: restored {ConfigPath} as it was before 'on'";
        }
        else if (ours)
        {
            WriteAtomically(ConfigPath, Encoding.UTF8.GetBytes(WithoutKey(doc.ToString(), existing!)), ConfigPath);
            message = $"off: removed Tollgate's {Key} from {ConfigPath}; your other changes are kept";
        }
        else
        {
            message = $"off: finished an interrupted switch; {ConfigPath} was left as it is";
        }

        File.Delete(StatePath);
        File.Delete(BackupPath);
        return new CodexSwitchResult(CodexSwitchState.Off, message, Changed: true);
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
            throw new CodexSwitchException($"{ConfigPath} is not UTF-8 text; nothing was changed");
        }

        var doc = SyntaxParser.Parse(text, ConfigPath, true);
        if (doc.HasErrors)
        {
            throw new CodexSwitchException($"{ConfigPath} is not valid TOML, so it was left alone: {string.Join("; ", doc.Diagnostics.Select(d => d.ToString()))}");
        }

        if (doc.ToString() != text)
        {
            throw new CodexSwitchException($"{ConfigPath} would not be written back exactly as it is; nothing was changed");
        }

        return (bytes, doc);
    }

    private void RefuseReadOnly()
    {
        if (File.Exists(ConfigPath) && (File.GetUnixFileMode(ConfigPath) & UnixFileMode.UserWrite) == 0)
        {
            throw new CodexSwitchException($"{ConfigPath} is read-only; make it writable (chmod u+w) if Tollgate may change it");
        }
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

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    private sealed record SwitchState(string Url, string AfterHash);

    private SwitchState? ReadState()
    {
        if (!File.Exists(StatePath))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(StatePath));
            return new SwitchState(json.RootElement.GetProperty("url").GetString()!, json.RootElement.GetProperty("afterHash").GetString()!);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null; // damaged: treated as absent, the backup and the key still tell what to do
        }
    }

    private void WriteState(SwitchState state)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["url"] = state.Url, ["afterHash"] = state.AfterHash });
        WriteAtomically(StatePath, json, null);
    }

    /// <summary>Writes a temporary file beside the target (with <paramref name="modeFrom"/>'s permissions, else 0600) and renames it over the target.</summary>
    private static void WriteAtomically(string path, byte[] bytes, string? modeFrom)
    {
        var mode = modeFrom is not null && File.Exists(modeFrom) ? File.GetUnixFileMode(modeFrom) : UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var temp = path + ".tollgate-tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode }))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.SetUnixFileMode(temp, mode); // the umask may have narrowed it
        File.Move(temp, path, overwrite: true);
    }
}
