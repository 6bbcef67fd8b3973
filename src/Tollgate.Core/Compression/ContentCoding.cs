using System.IO.Compression;
using ZstdSharp;

namespace Tollgate.Core.Compression;

/// <summary>Outcome of decoding a body with its <c>Content-Encoding</c>.</summary>
public enum DecodeStatus
{
    Ok,
    UnsupportedEncoding,
    Corrupt,
    TooLarge,
}

/// <summary>Decodes bodies sent with <c>Content-Encoding</c> zstd, gzip, br or deflate (or a list of them).</summary>
public static class ContentCoding
{
    public static bool IsIdentity(string? contentEncoding) =>
        string.IsNullOrWhiteSpace(contentEncoding) || contentEncoding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when every coding in the header is one this class can decode.</summary>
    public static bool IsSupported(string? contentEncoding)
    {
        if (IsIdentity(contentEncoding))
        {
            return true;
        }

        foreach (var part in contentEncoding!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Normalize(part) is null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Decodes <paramref name="body"/>; codings listed first were applied first, so they are undone last.</summary>
    public static DecodeStatus TryDecode(string? contentEncoding, ReadOnlyMemory<byte> body, long maxDecodedBytes, out ReadOnlyMemory<byte> decoded)
    {
        decoded = body;
        if (IsIdentity(contentEncoding))
        {
            return DecodeStatus.Ok;
        }

        var codings = contentEncoding!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = codings.Length - 1; i >= 0; i--)
        {
            var coding = Normalize(codings[i]);
            if (coding is null)
            {
                return DecodeStatus.UnsupportedEncoding;
            }

            if (coding == "identity")
            {
                continue;
            }

            try
            {
                var bytes = decoded.ToArray();
                using var input = new MemoryStream(bytes, writable: false);
                using Stream decoder = coding switch
                {
                    "gzip" => new GZipStream(input, CompressionMode.Decompress),
                    "deflate" => IsZlib(bytes) ? new ZLibStream(input, CompressionMode.Decompress) : new DeflateStream(input, CompressionMode.Decompress),
                    "br" => new BrotliStream(input, CompressionMode.Decompress),
                    _ => new DecompressionStream(input),
                };
                using var output = new MemoryStream();
                var buffer = new byte[81920];
                int read;
                while ((read = decoder.Read(buffer, 0, buffer.Length)) > 0)
                {
                    if (output.Length + read > maxDecodedBytes)
                    {
                        return DecodeStatus.TooLarge;
                    }

                    output.Write(buffer, 0, read);
                }

                decoded = output.GetBuffer().AsMemory(0, (int)output.Length);
            }
            catch (Exception ex) when (ex is InvalidDataException or ZstdException or IOException)
            {
                return DecodeStatus.Corrupt;
            }
        }

        return DecodeStatus.Ok;
    }

    private static string? Normalize(string coding) => coding.ToLowerInvariant() switch
    {
        "gzip" or "x-gzip" => "gzip",
        "deflate" => "deflate",
        "br" => "br",
        "zstd" => "zstd",
        "identity" => "identity",
        _ => null,
    };

    // HTTP "deflate" is zlib-wrapped (RFC 9110), but some clients send raw deflate; the first
    // two bytes of a zlib stream tell them apart (method 8, header checksum divisible by 31).
    private static bool IsZlib(byte[] data) =>
        data.Length >= 2 && (data[0] & 0x0F) == 8 && ((data[0] << 8) | data[1]) % 31 == 0;
}
