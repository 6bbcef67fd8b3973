namespace Tollgate.Core.Storage;

/// <summary>
/// Costs are stored as whole pico-dollars (10⁻¹² USD): exact for every per-token price with up
/// to six decimals per million tokens, summable in SQL, and good for 9 million dollars.
/// </summary>
internal static class Money
{
    private const decimal PicoPerDollar = 1_000_000_000_000m;
    private const byte PicoScale = 12;

    public static long? ToPico(decimal? usd) => usd is { } d ? (long)decimal.Round(d * PicoPerDollar, MidpointRounding.ToEven) : null;

    public static decimal? FromPico(long? pico) => pico is { } p ? FromPico(p) : null;

    /// <summary>
    /// The dollars in <paramref name="pico"/>, as dividing by 10¹² gives them (no trailing zeros),
    /// built from the integer and its scale: a report of every session converts a quarter of a
    /// million of them, and a decimal division costs several times more.
    /// </summary>
    public static decimal FromPico(long pico)
    {
        var negative = pico < 0;
        var magnitude = negative ? (ulong)-(pico + 1) + 1 : (ulong)pico;
        var scale = PicoScale;
        while (scale > 0 && magnitude % 10 == 0)
        {
            magnitude /= 10;
            scale--;
        }

        return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, negative && magnitude != 0, scale);
    }
}
