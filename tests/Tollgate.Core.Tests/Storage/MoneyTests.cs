using System.Globalization;
using Tollgate.Core.Storage;

namespace Tollgate.Core.Tests.Storage;

public sealed class MoneyTests
{
    [Fact]
    public void FromPico_EqualsDividingBy10To12_DownToItsDigits()
    {
        // Built from the integer and its scale, it must print as the division does (no trailing zeros): reports print costs as they are.
        var values = new List<long> { 0, 1, -1, 10, -10, 1_000_000_000_000, -1_000_000_000_000, 123_450_000_000_000, 7_380_000_000, long.MaxValue, long.MinValue, long.MinValue + 1 };
        var random = new Random(7);
        for (var i = 0; i < 10_000; i++)
        {
            var value = random.NextInt64(long.MinValue, long.MaxValue) / (long)Math.Pow(10, random.Next(0, 18));
            values.Add(value);
            values.Add(value / 10 * 10);
        }

        foreach (var pico in values)
        {
            var expected = pico / 1_000_000_000_000m;
            var actual = Money.FromPico(pico);
            Assert.Equal(expected, actual);
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), actual.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(pico, Money.ToPico(actual));
        }
    }
}
