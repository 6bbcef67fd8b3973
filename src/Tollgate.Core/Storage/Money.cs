namespace Tollgate.Core.Storage;

/// <summary>
/// Costs are stored as whole pico-dollars (10⁻¹² USD): exact for every per-token price with up
/// to six decimals per million tokens, summable in SQL, and good for 9 million dollars.
/// </summary>
internal static class Money
{
    private const decimal PicoPerDollar = 1_000_000_000_000m;

    public static long? ToPico(decimal? usd) => usd is { } d ? (long)decimal.Round(d * PicoPerDollar, MidpointRounding.ToEven) : null;

    public static decimal? FromPico(long? pico) => pico is { } p ? p / PicoPerDollar : null;
}
