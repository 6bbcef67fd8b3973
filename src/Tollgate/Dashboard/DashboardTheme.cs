using MudBlazor;

namespace Tollgate.Dashboard;

/// <summary>Colours and type of the dashboard, light and dark (which one follows the system).</summary>
internal static class DashboardTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3b5bdb",
            Secondary = "#0ca678",
            Tertiary = "#f08c00",
            AppbarBackground = "#ffffff",
            AppbarText = "#1b1e24",
            Background = "#f6f7f9",
            DrawerBackground = "#f6f7f9",
            Surface = "#ffffff",
            LinesDefault = "#e3e6ea",
            TableLines = "#eceef1",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#7c9cff",
            Secondary = "#38d9a9",
            Tertiary = "#ffc078",
            AppbarBackground = "#17181c",
            Background = "#17181c",
            DrawerBackground = "#17181c",
            Surface = "#202228",
            LinesDefault = "#2e3138",
            TableLines = "#2a2d33",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "10px" },
    };
}
