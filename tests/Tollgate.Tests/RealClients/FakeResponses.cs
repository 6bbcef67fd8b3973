using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.RealClients;

/// <summary>
/// The Responses WebSocket side of the fake upstream the real Codex CLI talks to (ported from
/// the research fake). The events themselves come from <see cref="Wire"/>.
/// </summary>
internal static class FakeResponses
{
    /// <summary>
    /// Accepts a Responses WebSocket and answers each <c>response.create</c> frame with the
    /// events <paramref name="answer"/> picks, one text frame each; the socket stays open for the
    /// next one. Every client frame is kept in <paramref name="received"/>. Ends when the client
    /// closes or (as Codex does at exit) drops the connection.
    /// </summary>
    public static async Task ServeSocketAsync(HttpContext context, Func<JsonElement, IReadOnlyList<WireEvent>> answer, ConcurrentQueue<string> received)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[64 * 1024];
        try
        {
            while (await WebSocketText.ReceiveAsync(socket, buffer, context.RequestAborted) is { } frame)
            {
                received.Enqueue(frame);
                using var doc = JsonDocument.Parse(frame);
                if (doc.RootElement.GetProperty("type").GetString() != "response.create")
                {
                    continue;
                }

                foreach (var e in answer(doc.RootElement))
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes(e.Json), WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
                }
            }

            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            // The client went away without a close handshake.
        }
    }
}
