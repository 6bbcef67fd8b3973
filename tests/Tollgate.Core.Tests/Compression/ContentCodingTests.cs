using System.IO.Compression;
using System.Text;
using Tollgate.Core.Compression;

namespace Tollgate.Core.Tests.Compression;

public sealed class ContentCodingTests
{
    private static readonly byte[] Plain = Encoding.UTF8.GetBytes("""{"model":"gpt-5","input":"hello hello hello hello"}""");

    [Theory]
    [InlineData("gzip")]
    [InlineData("x-gzip")]
    [InlineData("deflate")]
    [InlineData("deflate-raw")]
    [InlineData("br")]
    [InlineData("zstd")]
    [InlineData("identity")]
    public void TryDecode_EachCoding_RoundTrips(string coding)
    {
        var header = coding == "deflate-raw" ? "deflate" : coding;
        var status = ContentCoding.TryDecode(header, Encode(coding, Plain), 1 << 20, out var decoded);

        Assert.Equal(DecodeStatus.Ok, status);
        Assert.Equal(Plain, decoded.ToArray());
    }

    [Fact]
    public void TryDecode_TwoCodings_UndoneInReverseOrder()
    {
        var twice = Encode("br", Encode("gzip", Plain));

        Assert.Equal(DecodeStatus.Ok, ContentCoding.TryDecode("gzip, br", twice, 1 << 20, out var decoded));
        Assert.Equal(Plain, decoded.ToArray());
    }

    [Fact]
    public void TryDecode_BadInput_StatusesNotExceptions()
    {
        Assert.Equal(DecodeStatus.Corrupt, ContentCoding.TryDecode("zstd", Plain, 1 << 20, out _));
        Assert.Equal(DecodeStatus.Corrupt, ContentCoding.TryDecode("gzip", Plain, 1 << 20, out _));
        Assert.Equal(DecodeStatus.UnsupportedEncoding, ContentCoding.TryDecode("snappy", Plain, 1 << 20, out _));
        Assert.Equal(DecodeStatus.TooLarge, ContentCoding.TryDecode("gzip", Encode("gzip", new byte[100_000]), 1000, out _));
        Assert.False(ContentCoding.IsSupported("gzip, lz4"));
    }

    private static byte[] Encode(string coding, byte[] data)
    {
        if (coding == "identity")
        {
            return data;
        }

        if (coding == "zstd")
        {
            using var zstd = new ZstdSharp.Compressor();
            return zstd.Wrap(data).ToArray();
        }

        using var output = new MemoryStream();
        using (Stream s = coding switch
        {
            "gzip" or "x-gzip" => new GZipStream(output, CompressionLevel.Fastest, true),
            "deflate" => new ZLibStream(output, CompressionLevel.Fastest, true),
            "deflate-raw" => new DeflateStream(output, CompressionLevel.Fastest, true),
            _ => new BrotliStream(output, CompressionLevel.Fastest, true),
        })
        {
            s.Write(data);
        }

        return output.ToArray();
    }
}
