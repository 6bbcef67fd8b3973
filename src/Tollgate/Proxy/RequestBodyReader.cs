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

        var buffer = new MemoryStream(request.ContentLength is { } n ? (int)n : 16 * 1024);
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (BodyReadStatus.TooLarge, RequestInfo.Empty);
            }

            buffer.Write(chunk, 0, read);
        }

        var original = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        buffer.Position = 0;
        request.Body = buffer; // YARP forwards HttpContext.Request.Body: the original bytes

        var status = ContentCoding.TryDecode(encoding, original, maxBytes, out var decoded);
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

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase));
}
