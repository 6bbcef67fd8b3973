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

/// <summary>The dialogs, run modally on the application's loop.</summary>
internal sealed class TerminalDialogs(IApplication app) : ITuiDialogs
{
    public NewAccountFields? AskNewAccount()
    {
        using var dialog = new AddAccountDialog();
        app.Run(dialog);
        return dialog.Fields;
    }

    // The last button is the default one (Enter): for a deletion that is No.
    public bool Confirm(string title, string message) => MessageBox.Query(app, title, message, "_Yes", "_No") == 0;

    public void ShowHelp(string text)
    {
        // The message box centres each line; padded to one width, the columns stay aligned.
        var lines = text.Split('\n');
        var width = lines.Max(l => l.Length);
        MessageBox.Query(app, "Keys", string.Join('\n', lines.Select(l => l.PadRight(width))), false, "_Close");
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
