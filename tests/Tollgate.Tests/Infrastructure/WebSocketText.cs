using System.Net.WebSockets;
using System.Text;

namespace Tollgate.Tests.Infrastructure;

/// <summary>Reads whole text messages from a WebSocket, for fakes and clients in tests.</summary>
internal static class WebSocketText
{
    /// <summary>The next whole message as text, or null once the peer sent a close frame.</summary>
    public static async Task<string?> ReceiveAsync(WebSocket socket, byte[] buffer, CancellationToken cancellationToken = default)
    {
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.ToArray());
            }
        }
    }
}
