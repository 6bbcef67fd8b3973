using Terminal.Gui.App;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace Tollgate.Tui;

/// <summary>The fields of the add-account dialog.</summary>
internal sealed record NewAccountFields(string Name, string BaseUrl, string Key);

/// <summary>The modal questions the main window asks; a seam so key handling is tested without a nested run loop.</summary>
internal interface ITuiDialogs
{
    /// <summary>Asks for a new account; null when cancelled.</summary>
    NewAccountFields? AskNewAccount();

    bool Confirm(string title, string message);

    void ShowHelp(string text);
}

/// <summary>The dialogs, run modally on the application's loop; without shadows when there is no colour.</summary>
internal sealed class TerminalDialogs(IApplication app, bool monochrome) : ITuiDialogs
{
    public NewAccountFields? AskNewAccount()
    {
        using var dialog = new AddAccountDialog();
        Run(dialog);
        return dialog.Fields;
    }

    // The last button is the default one (Enter): for a deletion that is No.
    public bool Confirm(string title, string message)
    {
        using var dialog = new TextDialog(title, message, "_Yes", "_No");
        Run(dialog);
        return dialog.Result == 0;
    }

    public void ShowHelp(string text)
    {
        using var dialog = new TextDialog("Keys", text, "_Close");
        Run(dialog);
    }

    private void Run(Dialog dialog) => app.Run(monochrome ? TuiColors.WithoutShadow(dialog) : dialog);
}

/// <summary>A message, left-aligned as written, and buttons.</summary>
internal sealed class TextDialog : Dialog
{
    public TextDialog(string title, string text, params string[] buttons)
    {
        Title = title;
        var lines = text.Split('\n');
        Add(new View { Text = text, X = 1, Y = 1, Width = lines.Max(l => l.Length) + 1, Height = lines.Length + 1 });
        foreach (var label in buttons)
        {
            AddButton(new Button { Text = label });
        }
    }
}

/// <summary>Name, base URL and key of a new account; the key field shows only asterisks.</summary>
internal sealed class AddAccountDialog : Dialog
{
    public AddAccountDialog()
    {
        Title = "Add account";
        Width = 66;
        Add(
            new View { Text = "Name", X = 1, Y = 1, Width = 10, Height = 1 },
            NameField,
            new View { Text = "Base URL", X = 1, Y = 3, Width = 10, Height = 1 },
            UrlField,
            new View { Text = "Key", X = 1, Y = 5, Width = 10, Height = 1 },
            KeyField);
        AddButton(new Button { Text = "_Cancel" });
        AddButton(new Button { Text = "_Add" });
    }

    public TextField NameField { get; } = new() { X = 12, Y = 1, Width = 50 };

    public TextField UrlField { get; } = new() { X = 12, Y = 3, Width = 50, Text = "https://api.openai.com/v1" };

    /// <summary>Masked: a key typed here never appears on the screen.</summary>
    public TextField KeyField { get; } = new() { X = 12, Y = 5, Width = 50, Secret = true };

    /// <summary>What was entered, when the dialog ended with Add.</summary>
    public NewAccountFields? Fields => Result == 1 ? new(NameField.Text, UrlField.Text, KeyField.Text) : null;
}
