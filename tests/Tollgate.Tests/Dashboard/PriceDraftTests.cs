namespace Tollgate.Tests.Dashboard;

public sealed class PriceDraftTests
{
    [Fact]
    public void ToPrice_CachedInputDefaultsToInput()
    {
        var (price, error) = new Tollgate.Dashboard.Components.PriceDraft { Model = "m", Input = 2, Output = 8 }.ToPrice();

        Assert.Null(error);
        Assert.Equal(new Core.Pricing.ModelPrice(2, 2, 8, null), price);
    }

    [Theory]
    [InlineData("", 1.0, 2.0, "Name the model")]
    [InlineData("m", null, 2.0, "Input and output prices are required")]
    [InlineData("m", 1.0, null, "Input and output prices are required")]
    public void ToPrice_Incomplete_SaysWhat(string model, double? input, double? output, string expected)
    {
        var draft = new Tollgate.Dashboard.Components.PriceDraft { Model = model, Input = (decimal?)input, Output = (decimal?)output };

        var (price, error) = draft.ToPrice();

        Assert.Null(price);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}
