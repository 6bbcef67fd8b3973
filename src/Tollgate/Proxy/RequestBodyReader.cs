using System.Buffers;
using Tollgate.Core.Compression;

namespace Tollgate.Proxy;

/// <summary>Why a request body was refused, as a value (not an exception).</summary>
internal enum BodyReadStatus
{
    Ok,
    NotInspected,
    UnsupportedEncoding,
    Corrupt,
    TooLarge,
}

/// <summary>
/// Reads a JSON request body so the gateway can see the model, stream flag and conversation,
/// decoding zstd/gzip/br/deflate when the client compressed it (Codex sends zstd). The body
/// forwarded upstream is the client's original bytes, untouched; the decoded copy is only read.
/// Non-JSON bodies (multipart uploads, audio, images) are not read at all and stream through.
/// </summary>
internal static class RequestBodyReader
{
    public static async Task<(BodyReadStatus Status, RequestInfo Info)> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        if (!ContentCoding.IsSupported(encoding))
        {
            return (BodyReadStatus.UnsupportedEncoding, RequestInfo.Empty);
        }

        if (!IsJson(request.ContentType) || request.ContentLength == 0 || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            return (BodyReadStatus.NotInspected, RequestInfo.Empty);
        }

        if (request.ContentLength > maxBytes)
        {
            return (BodyReadStatus.TooLarge, RequestInfo.Empty);
        }

        var original = await ReadAllAsync(request, maxBytes, cancellationToken);
        if (original is null)
        {
            return (BodyReadStatus.TooLarge, RequestInfo.Empty);
        }

        // YARP forwards HttpContext.Request.Body: the client's original bytes.
        request.Body = new MemoryStream(original.Value.Array!, original.Value.Offset, original.Value.Count, writable: false, publiclyVisible: true);

        var status = ContentCoding.TryDecode(encoding, original.Value.AsMemory(), maxBytes, out var decoded);
        if (status == DecodeStatus.TooLarge)
        {
            return (BodyReadStatus.TooLarge, RequestInfo.Empty);
        }

        if (status != DecodeStatus.Ok)
        {
            return (BodyReadStatus.Corrupt, RequestInfo.Empty);
        }

        // A JSON body that does not parse is forwarded anyway: the upstream answers it in its own words.
        return (BodyReadStatus.Ok, RequestInfo.Read(decoded.Span) ?? RequestInfo.Empty);
    }

    /// <summary>Reads the whole body; null when it exceeds <paramref name="maxBytes"/>.</summary>
    private static async Task<ArraySegment<byte>?> ReadAllAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length)
        {
            // The common case (Codex, the SDKs): one exact allocation, no copies.
            var exact = new byte[length];
            var read = await request.Body.ReadAtLeastAsync(exact, exact.Length, throwOnEndOfStream: false, cancellationToken);
            return new ArraySegment<byte>(exact, 0, read);
        }

        var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int n;
            while ((n = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + n > maxBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return new ArraySegment<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase));
}
