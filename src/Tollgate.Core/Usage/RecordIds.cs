namespace Tollgate.Core.Usage;

/// <summary>The ids of usage records, the gateway's and the Codex logs' alike.</summary>
public static class RecordIds
{
    /// <summary>
    /// A UUID version 7 for <paramref name="time"/>, as <see cref="Guid.CreateVersion7(DateTimeOffset)"/>
    /// makes it (48 bits of Unix milliseconds, the version and variant bits, 74 random bits), with
    /// the random bits from <see cref="Random.Shared"/> (seeded from the system once per thread).
    /// <see cref="Guid.CreateVersion7(DateTimeOffset)"/> asks the kernel for them each time: a
    /// read of <c>/dev/urandom</c> per record, 23,000 system calls in a first ingest of the bench home.
    /// </summary>
    public static Guid Version7(DateTimeOffset time)
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        var ms = time.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }

        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// An id as the store keeps it: 32 lowercase hex digits, what <c>ToString("N")</c> writes.
    /// The runtime's own formatter is vectorized code that no ReadyToRun image holds, so a short
    /// process (a first ingest formats 23,000 ids) runs it unoptimized.
    /// </summary>
    public static string Text(Guid id) => string.Create(32, id, static (chars, id) =>
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[2 * i] = HexDigits[bytes[i] >> 4];
            chars[(2 * i) + 1] = HexDigits[bytes[i] & 0xF];
        }
    });

    private const string HexDigits = "0123456789abcdef";
}
