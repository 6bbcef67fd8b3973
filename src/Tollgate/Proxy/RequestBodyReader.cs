using System.Buffers;
using Tollgate.Core.BodyFilters;
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

/// <summary>What reading a request body found: its status, what it says, and the body as it goes upstream (decoded).</summary>
internal readonly record struct BodyRead(BodyReadStatus Status, RequestInfo Info, ReadOnlyMemory<byte> Body = default, bool Filtered = false, int FilterTimeouts = 0)
{
    /// <summary>A status with no body to show: not inspected, or refused.</summary>
    public static BodyRead Unread(BodyReadStatus status) => new(status, RequestInfo.Empty);
}

/// <summary>
/// Reads a JSON request body so the gateway can see the model, stream flag and conversation,
/// decoding zstd/gzip/br/deflate when the client compressed it (Codex sends zstd). The body
/// forwarded upstream is the client's original bytes, untouched, unless a body filter
/// (<c>filter.json</c>) changed it: then the filtered text goes up uncompressed. Non-JSON bodies
/// (multipart uploads, audio, images) are not read at all and stream through; plain-text bodies
/// are read only when there are filters to apply.
/// </summary>
internal static class RequestBodyReader
{
    public static async Task<BodyRead> ReadAsync(HttpRequest request, long maxBytes, BodyFilter filter, CancellationToken cancellationToken)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        if (!ContentCoding.IsSupported(encoding))
        {
            return BodyRead.Unread(BodyReadStatus.UnsupportedEncoding);
        }

        var inspected = IsJson(request.ContentType) || (!filter.IsEmpty && IsText(request.ContentType));
        if (!inspected || request.ContentLength == 0 || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            return BodyRead.Unread(BodyReadStatus.NotInspected);
        }

        if (request.ContentLength > maxBytes)
        {
            return BodyRead.Unread(BodyReadStatus.TooLarge);
        }

        var original = await ReadAllAsync(request, maxBytes, cancellationToken);
        if (original is null)
        {
            return BodyRead.Unread(BodyReadStatus.TooLarge);
        }

        // YARP forwards HttpContext.Request.Body: the client's original bytes.
        request.Body = new MemoryStream(original.Value.Array!, original.Value.Offset, original.Value.Count, writable: false, publiclyVisible: true);

        var status = ContentCoding.TryDecode(encoding, original.Value.AsMemory(), maxBytes, out var decoded);
        if (status == DecodeStatus.TooLarge)
        {
            return BodyRead.Unread(BodyReadStatus.TooLarge);
        }

        if (status != DecodeStatus.Ok)
        {
            return BodyRead.Unread(BodyReadStatus.Corrupt);
        }

        var body = decoded;
        var timeouts = 0;
        var changed = filter.IsEmpty ? null : filter.Apply(decoded.Span, out timeouts);
        if (changed is not null)
        {
            // The client's Content-Encoding described its bytes, not these: they go up as plain text.
            body = changed;
            request.Body = new MemoryStream(changed, 0, changed.Length, writable: false, publiclyVisible: true); // failover re-reads it
            request.Headers.Remove("Content-Encoding");
            request.ContentLength = changed.Length;
        }

        // A JSON body that does not parse is forwarded anyway: the upstream answers it in its own words.
        return new BodyRead(BodyReadStatus.Ok, RequestInfo.Read(body.Span) ?? RequestInfo.Empty, body, changed is not null, timeouts);
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

    private static bool IsText(string? contentType) =>
        contentType is not null && contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase);

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase));
}
