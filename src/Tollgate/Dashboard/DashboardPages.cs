using MudBlazor;

namespace Tollgate.Dashboard;

/// <summary>The dashboard's pages in menu order, with the key that follows <c>g</c> to reach each.</summary>
internal static class DashboardPages
{
    public sealed record Page(string Title, string Href, string Key, string Icon);

    public static readonly IReadOnlyList<Page> All =
    [
        new("Overview", "/", "o", Icons.Material.Outlined.Insights),
        new("Requests", "/requests", "r", Icons.Material.Outlined.SwapHoriz),
        new("Sessions", "/sessions", "s", Icons.Material.Outlined.Forum),
        new("Limits", "/limits", "l", Icons.Material.Outlined.Speed),
        new("Accounts", "/accounts", "a", Icons.Material.Outlined.Key),
        new("Pricing", "/pricing", "p", Icons.Material.Outlined.Sell),
        new("Settings", "/settings", "t", Icons.Material.Outlined.Tune),
    ];
}
