namespace Tollgate.Proxy;

/// <summary>
/// Reads the headers that name a conversation, in order of preference: Codex's <c>session-id</c>
/// / <c>thread-id</c> / <c>x-client-request-id</c> (older builds: <c>session_id</c>,
/// <c>conversation_id</c>), Claude Code's <c>x-claude-code-session-id</c>.
/// </summary>
internal static class ConversationHeaders
{
    private static readonly string[] Names =
    [
        "session-id", "session_id", "thread-id", "conversation_id", "x-claude-code-session-id", "x-client-request-id",
    ];

    public static string? SessionId(IHeaderDictionary headers)
    {
        foreach (var name in Names)
        {
            if (headers.TryGetValue(name, out var v) && v.Count > 0 && !string.IsNullOrWhiteSpace(v[0]))
            {
                var id = v[0]!;
                return id.Length <= 200 ? id : id[..200];
            }
        }

        return null;
    }
}
