using Terminal.Gui.Configuration;
using Terminal.Gui.Drawing;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;
using Attribute = Terminal.Gui.Drawing.Attribute;

namespace Tollgate.Tui;

/// <summary>
/// <c>NO_COLOR</c>: every scheme becomes the terminal's own colours, with focus and selection
/// shown by reverse video and hot keys by underlining. Terminal.Gui detects <c>NO_COLOR</c>
/// but still paints in colour, so the schemes are replaced here, and <see cref="WithoutShadow"/>
/// takes the coloured shadow off a dialog and its buttons.
/// </summary>
internal static class TuiColors
{
    public static bool Disabled(IReadOnlyDictionary<string, string> environment) =>
        environment.TryGetValue("NO_COLOR", out var value) && value.Length > 0;

    /// <summary>Replaces the current theme's schemes with monochrome ones.</summary>
    public static void UseMonochrome()
    {

        var plain = new Attribute(Color.None, Color.None);
        var reverse = new Attribute(Color.None, Color.None, TextStyle.Reverse);
        var underline = new Attribute(Color.None, Color.None, TextStyle.Underline);
        var scheme = new Scheme(plain)
        {
            Focus = reverse,
            Active = reverse,
            Highlight = reverse,
            HotNormal = underline,
            HotFocus = new Attribute(Color.None, Color.None, TextStyle.Reverse | TextStyle.Underline),
            HotActive = new Attribute(Color.None, Color.None, TextStyle.Reverse | TextStyle.Underline),
            Editable = underline,
            ReadOnly = plain,
            Disabled = new Attribute(Color.None, Color.None, TextStyle.Faint),
        };
        foreach (var name in SchemeManager.GetSchemeNames().ToList())
        {
            SchemeManager.AddScheme(name, scheme);
        }
    }

    /// <summary>Takes the shadow (drawn in colour whatever the scheme) off a dialog and its buttons.</summary>
    public static T WithoutShadow<T>(T dialog)
        where T : Dialog
    {
        dialog.ShadowStyle = ShadowStyles.None;
        foreach (var button in dialog.Buttons)
        {
            button.ShadowStyle = ShadowStyles.None;
        }

        return dialog;
    }
}
