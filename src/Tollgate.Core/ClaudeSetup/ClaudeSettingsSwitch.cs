using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using Tollgate.Core.ClientSetup;

namespace Tollgate.Core.ClaudeSetup;

/// <summary>A Tollgate client key for Claude Code to present. <see cref="ToString"/> leaves the secret out.</summary>
public sealed record IssuedClientKey(Guid Id, string Name, string Secret)
{
    public override string ToString() => $"client key '{Name}' ({Id})";
}

/// <summary>
/// Puts Claude Code behind Tollgate and back by editing <c>env.ANTHROPIC_BASE_URL</c> (and, when
/// the gateway requires client keys, <c>env.ANTHROPIC_AUTH_TOKEN</c>) in
/// <c>settings.json</c> of Claude's config folder. The text is edited in place (<see cref="JsonText"/>):
/// comments, trailing commas, order, indentation and line endings stay. Tollgate's members go
/// first in <c>env</c>; a missing <c>env</c> is added as the first top-level member.
/// <para>
/// Backup, state, atomic writes and crash ordering are <see cref="SwitchFiles"/>'s, the same as
/// for Codex: <c>off</c> gives back the original bytes when the file is as <c>on</c> left it, and
/// otherwise removes only Tollgate's members (and the <c>env</c> it added, once empty).
/// </para>
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class ClaudeSettingsSwitch(string configDir)
{
    public const string UrlVariable = "ANTHROPIC_BASE_URL";
    public const string TokenVariable = "ANTHROPIC_AUTH_TOKEN";
    private const string Env = "env";

    private readonly SwitchFiles _files = new(Path.Combine(configDir, "settings.json"), new SwitchSubject("Claude Code", "claude", $"{Env}.{UrlVariable}"));

    public string SettingsPath => _files.TargetPath;
    public string BackupPath => _files.BackupPath;
    public string StatePath => _files.StatePath;

    public ClientSwitchResult Status()
    {
        var (bytes, settings) = Read();
        return _files.Status(bytes, settings.Url, _files.ReadState());
    }

    /// <param name="issueKey">Creates the client key to write as <c>ANTHROPIC_AUTH_TOKEN</c>; null when the gateway needs none. Called only when a new key is needed.</param>
    /// <exception cref="ClientSwitchException">The file cannot be parsed, is read-only, or already points Claude Code elsewhere.</exception>
    public async Task<ClientSwitchResult> OnAsync(string url, Func<CancellationToken, Task<IssuedClientKey>>? issueKey, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(configDir))
        {
            throw new ClientSwitchException($"the Claude Code config folder {configDir} does not exist (run Claude Code once, or set CLAUDE_CONFIG_DIR / --home)", nothingThere: true);
        }

        var (bytes, settings) = Read();
        var saved = _files.ReadState();
        var ourToken = settings.Token is { } token && saved?.ClientKeyHash == SwitchFiles.Hash(Encoding.UTF8.GetBytes(token));
        if (_files.IsAlreadyOn(settings.Url, saved, url) && (issueKey is null || ourToken))
        {
            return new ClientSwitchResult(ClientSwitchState.On, $"already on: Claude Code goes through {url}", ClientKeyId: saved!.ClientKeyId, ClientKeyName: saved.ClientKeyName, Warning: StrictJsonWarning(bytes));
        }

        if (issueKey is not null && settings.Token is not null && !ourToken)
        {
            throw new ClientSwitchException($"{SettingsPath} already sets {Env}.{TokenVariable}, and the gateway needs its own client key there: remove it first, then run 'tollgate claude on' again");
        }

        _files.RefuseReadOnly();
        var previousToken = ourToken ? settings.Token : null;

        // Tollgate's own members from an earlier 'on' (another port, or no key yet) are replaced.
        if (saved is not null)
        {
            settings = Parse(WithoutOurs(settings, saved) ?? settings.Text.Bytes);
        }

        var key = previousToken is not null ? new IssuedClientKey(saved!.ClientKeyId!.Value, saved.ClientKeyName!, previousToken)
            : issueKey is null ? null
            : await issueKey(cancellationToken);
        var members = new List<(string, string)> { (UrlVariable, JsonSerializer.Serialize(url)) };
        if (key is not null)
        {
            members.Add((TokenVariable, JsonSerializer.Serialize(key.Secret)));
        }

        var text = settings.Text;
        var updated = text.Root is not { } root ? text.WithNewRoot(Env, members)
            : settings.Env is { } env ? text.InsertFirst(env, members)
            : text.InsertFirst(root, [(Env, text.NewObject(root, members))]);
        var record = new SwitchRecord(url, SwitchFiles.Hash(updated))
        {
            CreatedFile = saved?.CreatedFile ?? !File.Exists(SettingsPath),
            CreatedSection = settings.Env is null || saved?.CreatedSection == true,
            ClientKeyId = key?.Id,
            ClientKeyName = key?.Name,
            ClientKeyHash = key is null ? null : SwitchFiles.Hash(Encoding.UTF8.GetBytes(key.Secret)),
        };
        _files.Commit(bytes, record, updated);
        var how = key is null ? "" : $" with client key '{key.Name}'";
        return new ClientSwitchResult(ClientSwitchState.On, $"on: Claude Code goes through {url}{how} (saved the original as {BackupPath})", Changed: true, key?.Id, key?.Name, StrictJsonWarning(updated));
    }

    /// <summary>Switches off; the result names the client key the caller should revoke.</summary>
    /// <exception cref="ClientSwitchException">The file cannot be parsed or is read-only, or there is nothing to switch off.</exception>
    public ClientSwitchResult Off()
    {
        var (bytes, settings) = Read();
        return _files.Off(bytes, settings.Url, _files.ReadState(), saved => WithoutOurs(settings, saved));
    }

    /// <summary>
    /// Comments and trailing commas are the user's and stay, but Claude Code 2.1.197 parses
    /// settings.json as strict JSON: it reports "Invalid JSON syntax in settings file" and ignores
    /// the whole file, the gateway's address with it (tested with the real client).
    /// </summary>
    private string? StrictJsonWarning(byte[] updated) => JsonText.IsStrict(updated) ? null
        : $"{SettingsPath} has comments or trailing commas; Claude Code reads settings.json as strict JSON and ignores a file that is not, so it will not use the gateway until they are removed";

    /// <summary>What the switch needs to know of the file: the parsed text, the <c>env</c> object and the two variables in it.</summary>
    private sealed record Settings(JsonText Text, JsonText.Member? EnvMember, JsonText.Member? UrlMember, JsonText.Member? TokenMember)
    {
        public int? Env => EnvMember?.Value;
        public string? Url => UrlMember is { } m ? Text.StringOf(m.Value) ?? "(not a string)" : null;
        public string? Token => TokenMember is { } m ? Text.StringOf(m.Value) ?? "" : null;
    }

    private (byte[] Bytes, Settings Settings) Read()
    {
        var bytes = _files.ReadTarget();
        return (bytes, Parse(bytes));
    }

    private Settings Parse(byte[] bytes)
    {
        var text = JsonText.Parse(bytes, SettingsPath);
        if (text.Root is not { } root)
        {
            return new Settings(text, null, null, null);
        }

        if (text.TypeOf(root) != JsonTokenType.StartObject)
        {
            throw new ClientSwitchException($"{SettingsPath} does not hold a JSON object (Claude Code's settings are one), so it was left alone");
        }

        if (text.Find(root, Env) is not { } env)
        {
            return new Settings(text, null, null, null);
        }

        if (text.TypeOf(env.Value) != JsonTokenType.StartObject)
        {
            throw new ClientSwitchException($"{SettingsPath} has an \"{Env}\" that is not an object, so it was left alone: Claude Code expects {{ \"NAME\": \"value\", … }} there");
        }

        return new Settings(text, env, text.Find(env.Value, UrlVariable), text.Find(env.Value, TokenVariable));
    }

    /// <summary>The file without Tollgate's members (and without the <c>env</c> Tollgate added, once empty); null when none is in it.</summary>
    private byte[]? WithoutOurs(Settings settings, SwitchRecord saved)
    {
        var changed = false;
        if (settings.Url == saved.Url)
        {
            settings = Parse(settings.Text.Remove(settings.Env!.Value, settings.UrlMember!.Value));
            changed = true;
        }

        if (settings.Token is { } token && saved.ClientKeyHash == SwitchFiles.Hash(Encoding.UTF8.GetBytes(token)))
        {
            settings = Parse(settings.Text.Remove(settings.Env!.Value, settings.TokenMember!.Value));
            changed = true;
        }

        if (changed && saved.CreatedSection && settings.Env is { } env && settings.Text.IsEmptyObject(env))
        {
            settings = Parse(settings.Text.Remove(settings.Text.Root!.Value, settings.EnvMember!.Value));
        }

        return changed ? settings.Text.Bytes : null;
    }
}
