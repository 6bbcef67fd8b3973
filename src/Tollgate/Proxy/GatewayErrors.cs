using System.Text.Json;

namespace Tollgate.Proxy;

/// <summary>
/// Errors the gateway itself produces, in the client's own API format, with a
/// <c>tollgate_*</c> code so a user can tell them from the upstream's:
/// OpenAI <c>{"error":{"message","type":"tollgate_error","param":null,"code"}}</c>,
/// Anthropic <c>{"type":"error","error":{"type":"tollgate_error","message","code"}}</c>.
/// </summary>
internal static class GatewayErrors
{
    public const string UpstreamUnreachable = "tollgate_upstream_unreachable";
    public const string UpstreamTimeout = "tollgate_upstream_timeout";
    public const string UnsupportedEncoding = "tollgate_unsupported_content_encoding";
    public const string CorruptBody = "tollgate_corrupt_request_body";
    public const string BodyTooLarge = "tollgate_request_body_too_large";
    public const string WebSocketUnavailable = "tollgate_websocket_unavailable";
    public const string UpstreamCut = "tollgate_upstream_cut";
    public const string InvalidClientKey = "tollgate_invalid_client_key";
    public const string NoAccount = "tollgate_no_account";
    public const string NoAccountForModel = "tollgate_no_account_for_model";
    public const string LimitsReached = "tollgate_limits_reached";

    public static async Task WriteAsync(HttpContext context, bool anthropic, int status, string code, string message)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-tollgate-error"] = code;
        await context.Response.Body.WriteAsync(Format(anthropic, code, message), context.RequestAborted);
    }

    public static byte[] Format(bool anthropic, string code, string message)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (anthropic)
            {
                json.WriteString("type", "error");
                json.WriteStartObject("error");
                json.WriteString("type", "tollgate_error");
                json.WriteString("message", message);
                json.WriteString("code", code);
                json.WriteEndObject();
            }
            else
            {
                json.WriteStartObject("error");
                json.WriteString("message", message);
                json.WriteString("type", "tollgate_error");
                json.WriteNull("param");
                json.WriteString("code", code);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
