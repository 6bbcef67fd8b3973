using System.Collections.ObjectModel;
using Terminal.Gui.App;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace Tollgate.Tui;

/// <summary>
/// The full-screen window: a tab bar, the three screens and a status line. It only draws what
/// <see cref="TuiState"/> holds (when its version moved) and turns keys into tab switches,
/// scrolling and account changes, which run off the UI loop.
/// </summary>
internal sealed class TuiWindow : Window
{
    public const string HelpText =
        "q          quit (calls in flight are written first)\n" +
        "Tab, 1-3   switch screens (Shift+Tab: back)\n" +
        "↑ ↓  j k   scroll; PgUp PgDn Home End\n" +
        "a          add an account\n" +
        "d          delete the selected account\n" +
        "space      enable or disable the selected account\n" +
        "?          this help\n\n" +
        "Usage splits tokens so they add up: input not read from a cache,\n" +
        "cached input, output without reasoning, and reasoning.";

    private const string Hints = "q quit  Tab/1-3 screens  ↑↓/jk scroll  a add  d delete  space on/off  ? help";
    private static readonly string[] TabNames = ["1 Usage", "2 Accounts", "3 Limits & sessions"];

    private readonly IApplication _app;
    private readonly TuiState _state;
    private readonly ITuiDialogs _dialogs;
    private readonly CancellationToken _cancellationToken;
    private readonly View _tabBar = new() { X = 0, Y = 0, Width = Dim.Fill(), Height = 1 };
    private readonly View _status = new() { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill(), Height = 1 };
    private readonly View[] _pages;
    private readonly View _summary = new() { X = 0, Y = 0, Width = Dim.Fill(), Height = 5 };
    private readonly ListView _requests = new() { X = 0, Y = 7, Width = Dim.Fill(), Height = Dim.Fill() };
    private readonly ListView _accounts = new() { X = 0, Y = 1, Width = Dim.Fill(), Height = Dim.Fill(7) };
    private readonly View _details = new() { X = 0, Y = Pos.AnchorEnd(6), Width = Dim.Fill(), Height = 6 };
    private readonly View _windows = new() { X = 0, Y = 0, Width = Dim.Fill(), Height = 8 };
    private readonly ListView _sessions = new() { X = 0, Y = 10, Width = Dim.Fill(), Height = Dim.Fill() };
    private long _drawn = -1;
    private Guid? _selectedRequest;

    public TuiWindow(IApplication app, TuiState state, ITuiDialogs dialogs, CancellationToken cancellationToken)
    {
        _app = app;
        _state = state;
        _dialogs = dialogs;
        _cancellationToken = cancellationToken;
        Title = $"Tollgate · {state.Description}";
        foreach (var list in new[] { _requests, _accounts, _sessions })
        {
            list.KeystrokeNavigator = null; // letters are commands here, not a search
            list.SetSource(new ObservableCollection<string>());
        }

        var usage = Page(_summary, new View { Text = UsageScreenModel.RequestHeader, X = 0, Y = 6, Width = Dim.Fill(), Height = 1 }, _requests);
        var accounts = Page(new View { Text = AccountsScreenModel.Header, X = 0, Y = 0, Width = Dim.Fill(), Height = 1 }, _accounts, _details);
        var limits = Page(_windows, new View { Text = LimitsScreenModel.SessionHeader, X = 0, Y = 9, Width = Dim.Fill(), Height = 1 }, _sessions);
        _pages = [usage, accounts, limits];
        Add(_tabBar);
        Add(_pages);
        Add(_status);
        _accounts.ValueChanged += (_, _) => _details.Text = string.Join("\n", _state.Accounts.Details(_accounts.SelectedItem ?? -1));
        app.Keyboard.KeyDown += OnKeyDown;
        ShowTab(0);
    }

    /// <summary>The screen shown: 0 Usage, 1 Accounts, 2 Limits &amp; sessions.</summary>
    public int Tab { get; private set; }

    /// <summary>The list the arrow keys scroll on the current screen.</summary>
    public ListView CurrentList => Tab switch { 0 => _requests, 1 => _accounts, _ => _sessions };

    /// <summary>Redraws from the state if it changed since the last time; called by a 100 ms timer, so at most ten times a second.</summary>
    public void Refresh()
    {
        var version = _state.Version;
        if (version == _drawn)
        {
            return;
        }

        _drawn = version;
        _summary.Text = string.Join("\n", _state.Usage.SummaryLines());
        var rows = _state.Usage.Requests;
        var keep = _selectedRequest is { } id ? rows.ToList().FindIndex(r => r.Id == id) : -1;
        SetLines(_requests, _state.Usage.RequestLines(), keep);
        SetLines(_accounts, _state.Accounts.Lines(), _accounts.SelectedItem ?? 0);
        _details.Text = string.Join("\n", _state.Accounts.Details(_accounts.SelectedItem ?? -1));
        _windows.Text = string.Join("\n", _state.Limits.WindowLines());
        SetLines(_sessions, _state.Limits.SessionLines(), _sessions.SelectedItem ?? 0);
        _status.Text = _state.Status is { Length: > 0 } status ? status : Hints;
    }

    public void ShowTab(int tab)
    {
        Tab = tab;
        for (var i = 0; i < _pages.Length; i++)
        {
            _pages[i].Visible = i == tab;
        }

        _tabBar.Text = string.Join("  ", TabNames.Select((name, i) => i == tab ? $"[{name}]" : $" {name} "));
        CurrentList.SetFocus();
        SetNeedsDraw();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _app.Keyboard.KeyDown -= OnKeyDown;
        }

        base.Dispose(disposing);
    }

    private static View Page(params View[] views)
    {
        var page = new View { X = 0, Y = 1, Width = Dim.Fill(), Height = Dim.Fill(1), CanFocus = true };
        page.Add(views);
        return page;
    }

    private static void SetLines(ListView list, IReadOnlyList<string> lines, int selected)
    {
        if (list.Source is { } source && source.Count == lines.Count && source.ToList().Cast<string>().SequenceEqual(lines))
        {
            return;
        }

        list.SetSource(new ObservableCollection<string>(lines));
        if (lines.Count > 0)
        {
            list.SelectedItem = Math.Clamp(selected, 0, lines.Count - 1);
        }
    }

    private void OnKeyDown(object? sender, Key key)
    {
        // Only the main window's keys: a dialog on top gets its own.
        if (_app.TopRunnableView != this || key.Handled)
        {
            return;
        }

        key.Handled = Handle(key);
    }

    private bool Handle(Key key)
    {
        var list = CurrentList;
        if (key == Key.Q || key == Key.Q.WithShift || key == Key.C.WithCtrl)
        {
            _app.RequestStop();
        }
        else if (key == Key.Tab || key == Key.Tab.WithShift)
        {
            ShowTab((Tab + (key == Key.Tab ? 1 : _pages.Length - 1)) % _pages.Length);
        }
        else if (key == Key.D1 || key == Key.D2 || key == Key.D3)
        {
            ShowTab(key == Key.D1 ? 0 : key == Key.D2 ? 1 : 2);
        }
        else if (key == Key.J || key == Key.CursorDown)
        {
            list.MoveDown();
        }
        else if (key == Key.K || key == Key.CursorUp)
        {
            list.MoveUp();
        }
        else if (key == Key.PageDown || key == Key.PageUp)
        {
            _ = key == Key.PageDown ? list.MovePageDown() : list.MovePageUp();
        }
        else if (key == Key.Home || key == Key.End)
        {
            _ = key == Key.Home ? list.MoveHome() : list.MoveEnd();
        }
        else if (key == Key.A)
        {
            AddAccount();
        }
        else if (key == Key.D && Tab == 1)
        {
            DeleteAccount();
        }
        else if (key == Key.Space && Tab == 1)
        {
            if (SelectedAccount() is { } account)
            {
                _state.Start(ct => _state.Accounts.ToggleAsync(account, ct), _cancellationToken);
            }
        }
        else if (key.AsRune.Value == '?')
        {
            _dialogs.ShowHelp(HelpText);
        }
        else
        {
            return key == Key.Esc; // Esc would quit the window; only q does
        }

        if (list == _requests)
        {
            _selectedRequest = _requests.SelectedItem is { } i && i > 0 && i < _state.Usage.Requests.Count ? _state.Usage.Requests[i].Id : null;
        }

        return true;
    }

    private AccountRow? SelectedAccount()
    {
        var accounts = _state.Accounts.Accounts;
        return _accounts.SelectedItem is { } i && i >= 0 && i < accounts.Count ? accounts[i] : null;
    }

    private void AddAccount()
    {
        ShowTab(1);
        if (_dialogs.AskNewAccount() is { } fields)
        {
            _state.Start(ct => _state.Accounts.AddAsync(fields.Name, fields.BaseUrl, fields.Key, ct), _cancellationToken);
        }
    }

    private void DeleteAccount()
    {
        if (SelectedAccount() is { } account && _dialogs.Confirm("Delete account", $"Delete account '{account.Name}' and its stored key? Its usage history stays."))
        {
            _state.Start(ct => _state.Accounts.RemoveAsync(account, ct), _cancellationToken);
        }
    }
}
