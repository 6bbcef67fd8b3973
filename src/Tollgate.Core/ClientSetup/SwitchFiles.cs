using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text.Json;

namespace Tollgate.Core.ClientSetup;

/// <summary>
/// The file handling every client switch shares (<c>tollgate codex|claude on|off|status</c>): the
/// backup of the original bytes (<c>&lt;file&gt;.tollgate-backup</c>, written once), the state
/// file (<c>.tollgate-switch.json</c> beside it), atomic writes that keep the target's
/// permissions, and the rules that decide what <c>status</c> says and what <c>off</c> writes.
/// <para>
/// <c>on</c> writes, in this order, the backup, the state (with the hash to expect), then the
/// file; <c>off</c> writes the file, then deletes the state and the backup. A crash between any
/// two steps leaves a state <see cref="Status"/> names and <see cref="Off"/> repairs. The
/// client-specific part (parsing, finding and editing the entry) stays with each switch.
/// </para>
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class SwitchFiles(string targetPath, SwitchSubject subject)
{
    public string TargetPath { get; } = targetPath;
    public string BackupPath => TargetPath + ".tollgate-backup";
    public string StatePath => Path.Combine(Path.GetDirectoryName(TargetPath)!, ".tollgate-switch.json");

    /// <summary>The file's bytes; empty when it does not exist.</summary>
    public byte[] ReadTarget() => File.Exists(TargetPath) ? File.ReadAllBytes(TargetPath) : [];

    /// <param name="current">The URL the file sets now (null: none).</param>
    /// <param name="saved">From <see cref="ReadState"/>.</param>
    public ClientSwitchResult Status(byte[] bytes, string? current, SwitchRecord? saved)
    {
        if (current is null)
        {
            return saved is not null || File.Exists(BackupPath)
                ? new ClientSwitchResult(ClientSwitchState.Interrupted, $"a switch of {TargetPath} was interrupted; run 'tollgate {subject.Command} off' (or 'on') to finish it")
                : new ClientSwitchResult(ClientSwitchState.Off, $"off: {TargetPath} does not send {subject.Client} through Tollgate");
        }

        if (saved is null || current != saved.Url)
        {
            return new ClientSwitchResult(ClientSwitchState.Off, $"off: {TargetPath} sets {subject.Setting} to \"{current}\", which Tollgate did not put there");
        }

        return Hash(bytes) == saved.AfterHash
            ? new ClientSwitchResult(ClientSwitchState.On, $"on: {subject.Client} goes through {current} ({TargetPath})", ClientKeyId: saved.ClientKeyId, ClientKeyName: saved.ClientKeyName)
            : new ClientSwitchResult(ClientSwitchState.OnEdited, $"on: {subject.Client} goes through {current}; {TargetPath} was edited since, and 'off' will keep those edits", ClientKeyId: saved.ClientKeyId, ClientKeyName: saved.ClientKeyName);
    }

    /// <summary>
    /// True when the file already points at <paramref name="url"/> by Tollgate's own doing; false
    /// when there is no entry or it is Tollgate's with another URL (an older port).
    /// </summary>
    /// <exception cref="ClientSwitchException">The entry was put there by someone else.</exception>
    public bool IsAlreadyOn(string? current, SwitchRecord? saved, string url)
    {
        if (current is null)
        {
            return false;
        }

        if (saved?.Url != current)
        {
            throw new ClientSwitchException($"{TargetPath} already sets {subject.Setting} to \"{current}\" (another proxy?): remove it first, then run 'tollgate {subject.Command} on' again");
        }

        return current == url;
    }

    /// <exception cref="ClientSwitchException">The file exists and its owner may not write it.</exception>
    public void RefuseReadOnly()
    {
        if (File.Exists(TargetPath) && (File.GetUnixFileMode(TargetPath) & UnixFileMode.UserWrite) == 0)
        {
            throw new ClientSwitchException($"{TargetPath} is read-only; make it writable (chmod u+w) if Tollgate may change it");
        }
    }

    /// <summary>The last steps of <c>on</c>: the backup (only before the first <c>on</c>), the state, then the file.</summary>
    public void Commit(byte[] original, SwitchRecord state, byte[] updated)
    {
        if (!File.Exists(BackupPath))
        {
            WriteAtomically(BackupPath, original, TargetPath);
        }

        WriteState(state);
        WriteAtomically(TargetPath, updated, TargetPath);
    }

    /// <summary>
    /// Switches off: the backup's bytes when the file is as <c>on</c> left it, else
    /// <paramref name="withoutOurs"/>'s text (the user's edits kept), else nothing (a switch
    /// interrupted before it wrote the file); then the state and the backup go.
    /// </summary>
    /// <param name="withoutOurs">The file without Tollgate's entries, or null when none of them is in it.</param>
    /// <exception cref="ClientSwitchException">Nothing to switch off, or the file is read-only.</exception>
    public ClientSwitchResult Off(byte[] bytes, string? current, SwitchRecord? saved, Func<SwitchRecord, byte[]?> withoutOurs)
    {
        var ours = current is not null && saved is not null && current == saved.Url;
        var backup = File.Exists(BackupPath);
        if (!ours && saved is null && !backup)
        {
            throw new ClientSwitchException($"Tollgate is not switched on in {TargetPath}: nothing to switch off", nothingThere: true);
        }

        if (saved is not null)
        {
            RefuseReadOnly();
        }

        string message;
        if (ours && Hash(bytes) == saved!.AfterHash && backup)
        {
            // Untouched since: the original bytes, or no file at all if there was none.
            if (saved.CreatedFile)
            {
                File.Delete(TargetPath);
                message = $"off: removed {TargetPath}, which 'on' had created";
            }
            else
            {
                WriteAtomically(TargetPath, File.ReadAllBytes(BackupPath), TargetPath);
                message = $"off: restored {TargetPath} as it was before 'on'";
            }
        }
        else if (saved is not null && withoutOurs(saved) is { } stripped)
        {
            WriteAtomically(TargetPath, stripped, TargetPath);
            message = $"off: removed Tollgate's {subject.Setting} from {TargetPath}; your other changes are kept";
        }
        else
        {
            message = $"off: finished an interrupted switch; {TargetPath} was left as it is";
        }

        File.Delete(StatePath);
        File.Delete(BackupPath);
        return new ClientSwitchResult(ClientSwitchState.Off, message, Changed: true, saved?.ClientKeyId, saved?.ClientKeyName);
    }

    public static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    /// <summary>The state <c>on</c> left, or null (none, or damaged: the backup and the entry still tell what to do).</summary>
    public SwitchRecord? ReadState()
    {
        if (!File.Exists(StatePath))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(StatePath));
            var root = json.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            bool Flag(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
            return new SwitchRecord(root.GetProperty("url").GetString()!, root.GetProperty("afterHash").GetString()!)
            {
                CreatedFile = Flag("createdFile"),
                CreatedSection = Flag("createdSection"),
                ClientKeyId = Guid.TryParse(Text("clientKeyId"), out var id) ? id : null,
                ClientKeyName = Text("clientKeyName"),
                ClientKeyHash = Text("clientKeyHash"),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    private void WriteState(SwitchRecord state)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("url", state.Url);
            json.WriteString("afterHash", state.AfterHash);
            if (state.CreatedFile)
            {
                json.WriteBoolean("createdFile", true);
            }

            if (state.CreatedSection)
            {
                json.WriteBoolean("createdSection", true);
            }

            if (state.ClientKeyId is { } id)
            {
                json.WriteString("clientKeyId", id);
                json.WriteString("clientKeyName", state.ClientKeyName);
                json.WriteString("clientKeyHash", state.ClientKeyHash);
            }

            json.WriteEndObject();
        }

        WriteAtomically(StatePath, buffer.ToArray(), null);
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
