namespace Tollgate.Core.ClientSetup;

/// <summary>Where a client's config stands with respect to Tollgate.</summary>
public enum ClientSwitchState
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

/// <summary>What a switch found or did.</summary>
/// <param name="ClientKeyId">The Tollgate client key this switch put in the file (<c>on</c>, <c>status</c>) or took out (<c>off</c>: the caller revokes it).</param>
/// <param name="Warning">Done, but the client may not follow it (shown as a warning).</param>
public sealed record ClientSwitchResult(ClientSwitchState State, string Message, bool Changed = false, Guid? ClientKeyId = null, string? ClientKeyName = null, string? Warning = null);

/// <summary>A config the switch will not touch, with the reason (shown as is).</summary>
/// <param name="nothingThere">The config folder is missing, or there is nothing to switch off (as opposed to a file the switch refuses).</param>
public sealed class ClientSwitchException(string message, bool nothingThere = false) : Exception(message)
{
    public bool NothingThere { get; } = nothingThere;
}

/// <summary>Who is being switched, for the messages: <c>("Codex", "codex", "openai_base_url")</c>.</summary>
public sealed record SwitchSubject(string Client, string Command, string Setting);

/// <summary>
/// What <c>on</c> remembers for <c>off</c> (<c>.tollgate-switch.json</c>). Never a secret: the
/// client key is recorded by id and by the hash of its text.
/// </summary>
/// <param name="AfterHash">SHA-256 of the file as <c>on</c> left it.</param>
public sealed record SwitchRecord(string Url, string AfterHash)
{
    /// <summary>The file did not exist before <c>on</c>: an untouched <c>off</c> deletes it again.</summary>
    public bool CreatedFile { get; init; }

    /// <summary><c>on</c> added the section its entries live in (Claude's <c>env</c>): <c>off</c> removes it when it is empty again.</summary>
    public bool CreatedSection { get; init; }

    public Guid? ClientKeyId { get; init; }
    public string? ClientKeyName { get; init; }

    /// <summary>SHA-256 of the client key's text, to recognise it in the file without storing it.</summary>
    public string? ClientKeyHash { get; init; }
}
