using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Terminal.Gui.App;
using Terminal.Gui.Drivers;
using Terminal.Gui.Input;
using Terminal.Gui.Testing;
using Terminal.Gui.Time;
using Tollgate.Core.Usage;
using Tollgate.Tui;

namespace Tollgate.Tests.Tui;

/// <summary>
/// The views on Terminal.Gui's own test path (an application instance on the ANSI driver with
/// injected keys and virtual time, no terminal): keys scroll and switch screens, the account
/// keys ask and then change, the add dialog never shows the key, and the layout fits 80×24 and resizes.
/// </summary>
public sealed class TuiWindowTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Keys_ArrowsAndJk_ScrollTheRequestTable()
    {
        using var ui = await Ui.StartAsync(rows: 40);

        Assert.Equal(0, ui.Window.CurrentList.SelectedItem);
        ui.App.InjectKey(Key.J);
        ui.App.InjectKey(Key.J);
        ui.App.InjectKey(Key.CursorDown);
        Assert.Equal(3, ui.Window.CurrentList.SelectedItem);
        ui.App.InjectKey(Key.K);
        ui.App.InjectKey(Key.CursorUp);
        Assert.Equal(1, ui.Window.CurrentList.SelectedItem);
        ui.App.InjectKey(Key.End);
        Assert.Equal(39, ui.Window.CurrentList.SelectedItem);
        ui.Draw();
        Assert.Contains("10:00:00 model-0", ui.Screen(), StringComparison.Ordinal); // the oldest row scrolled into view
        ui.App.InjectKey(Key.Home);
        ui.Draw();
        Assert.Contains("10:00:39 model-39", ui.Screen(), StringComparison.Ordinal); // newest on top
    }

    [Fact]
    public async Task Keys_TabAndDigits_SwitchScreens()
    {
        using var ui = await Ui.StartAsync();

        Assert.Contains("[1 Usage]", ui.Screen(), StringComparison.Ordinal);
        ui.App.InjectKey(Key.Tab);
        Assert.Equal(1, ui.Window.Tab);
        ui.Draw();
        Assert.Contains("[2 Accounts]", ui.Screen(), StringComparison.Ordinal);
        Assert.Contains("backup", ui.Screen(), StringComparison.Ordinal);
        ui.App.InjectKey(Key.Tab);
        Assert.Equal(2, ui.Window.Tab);
        ui.App.InjectKey(Key.Tab);
        Assert.Equal(0, ui.Window.Tab);
        ui.App.InjectKey(Key.Tab.WithShift);
        Assert.Equal(2, ui.Window.Tab);
        ui.App.InjectKey(Key.D2);
        Assert.Equal(1, ui.Window.Tab);
        ui.App.InjectKey(Key.D1);
        Assert.Equal(0, ui.Window.Tab);
        ui.App.InjectKey(Key.D3);
        ui.Draw();
        Assert.Contains("[3 Limits & sessions]", ui.Screen(), StringComparison.Ordinal);
        Assert.Contains("No usage limits seen yet", ui.Screen(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_AddDeleteToggleHelp_AskThenChangeThroughTheEditor()
    {
        using var ui = await Ui.StartAsync();
        ui.Dialogs.NextAccount = new NewAccountFields("relay", "https://relay.example/v1", "sk-relay-0123456789abcdef");
        ui.Dialogs.Answer = true;

        ui.App.InjectKey(Key.A);
        Assert.Equal(1, ui.Window.Tab); // adding shows the accounts
        await ui.WaitForStatusAsync("Added account 'relay'");
        ui.App.InjectKey(Key.J); // the second account: backup
        ui.App.InjectKey(Key.Space);
        await ui.WaitForStatusAsync("Account 'backup' disabled.");
        ui.App.InjectKey(Key.D);
        await ui.WaitForStatusAsync("Removed account 'backup'.");
        ui.App.InjectKey((Key)'?');

        var backup = ui.Source.AccountList[1].Id;
        Assert.Equal(["add relay https://relay.example/v1 sk-relay-0123456789abcdef", $"enable {backup} False", $"remove {backup}"], ui.Editor.Calls);
        Assert.Equal(["new account", "confirm Delete account: Delete account 'backup' and its stored key? Its usage history stays.", "help"], ui.Dialogs.Asked);

        // Declined: nothing is deleted.
        ui.Dialogs.Answer = false;
        ui.App.InjectKey(Key.D);
        Assert.Equal(3, ui.Editor.Calls.Count);
    }

    [Fact]
    public async Task Layout_80x24_FitsAndFollowsAResize()
    {
        using var ui = await Ui.StartAsync();

        var lines = ui.Screen().Split('\n');
        Assert.Equal(24, lines.Length);
        Assert.Contains(lines, l => l.Contains("Last 12 months", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("q quit  Tab/1-3 screens", StringComparison.Ordinal) && l.Contains("? help", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(UsageScreenModel.RequestHeader.TrimEnd(), StringComparison.Ordinal));

        ui.App.Driver!.SetScreenSize(120, 40);
        ui.Draw();
        Assert.Equal(120, ui.Window.Frame.Width);
        Assert.Equal(40, ui.Screen().Split('\n').Length);
        Assert.Contains("10:00:10 model-10", ui.Screen(), StringComparison.Ordinal); // more rows fit
    }

    [Fact]
    public void AddDialog_TypedKey_IsMaskedOnScreenAndReturnedOnAdd()
    {
        using var app = Application.Create(new VirtualTimeProvider()).Init(DriverRegistry.Names.ANSI);
        app.Driver!.SetScreenSize(80, 24);
        using var dialog = new AddAccountDialog();
        var session = app.Begin(dialog);
        try
        {
            dialog.NameField.SetFocus();
            Type(app, "main");
            dialog.KeyField.SetFocus();
            Type(app, "sk-proj-SECRETSECRET42");
            app.LayoutAndDraw(forceRedraw: true);

            var screen = app.Driver.ToString()!;
            Assert.Contains("main", screen, StringComparison.Ordinal);
            Assert.DoesNotContain("SECRET", screen, StringComparison.Ordinal);
            Assert.DoesNotContain("sk-proj", screen, StringComparison.Ordinal);
            Assert.True(dialog.KeyField.Secret);
            Assert.Null(dialog.Fields); // not added yet

            app.InjectKey(Key.Enter); // the default button: Add
            Assert.Equal(new NewAccountFields("main", "https://api.openai.com/v1", "sk-proj-SECRETSECRET42"), dialog.Fields);
        }
        finally
        {
            app.End(session!);
        }
    }

    private static void Type(IApplication app, string text)
    {
        foreach (var c in text)
        {
            app.InjectKey((Key)c);
        }
    }

    /// <summary>The main window over a fake source (40 rows a second apart, two accounts), begun on an 80×24 test screen.</summary>
    private sealed class Ui : IDisposable
    {
        private readonly SessionToken _session;

        private Ui(IApplication app, TuiWindow window, FakeTuiDataSource source, FakeAccountEditor editor, FakeDialogs dialogs, TuiState state)
        {
            App = app;
            Window = window;
            Source = source;
            Editor = editor;
            Dialogs = dialogs;
            State = state;
            _session = app.Begin(window)!;
            Draw();
        }

        public IApplication App { get; }
        public TuiWindow Window { get; }
        public FakeTuiDataSource Source { get; }
        public FakeAccountEditor Editor { get; }
        public FakeDialogs Dialogs { get; }
        public TuiState State { get; }

        public static async Task<Ui> StartAsync(int rows = 20)
        {
            var source = new FakeTuiDataSource();
            for (var i = 0; i < rows; i++)
            {
                source.Rows.Add(new RequestRow(Guid.NewGuid(), Now.AddSeconds(i), $"model-{i}", "main", 200, CallOutcome.Success, 100, new TokenUsage(10, 0, 0, 5, 0), 0.001m));
            }

            source.AccountList.Add(FakeTuiDataSource.Account("main"));
            source.AccountList.Add(FakeTuiDataSource.Account("backup"));
            var editor = new FakeAccountEditor();
            var state = new TuiState(source, editor, new FakeTimeProvider(Now), TimeZoneInfo.Utc, NullLogger.Instance);
            await state.LoadAsync(Ct);
            var app = Application.Create(new VirtualTimeProvider()).Init(DriverRegistry.Names.ANSI);
            app.Driver!.SetScreenSize(80, 24);
            var dialogs = new FakeDialogs();
            return new Ui(app, new TuiWindow(app, state, dialogs, Ct), source, editor, dialogs, state);
        }

        public void Draw()
        {
            Window.Refresh();
            App.LayoutAndDraw(forceRedraw: true);
        }

        /// <summary>The screen as text, one line a row.</summary>
        public string Screen() => App.Driver!.ToString()!.TrimEnd('\n').Replace("\r", "", StringComparison.Ordinal);

        /// <summary>Waits (bounded) for an account change running off the UI loop to finish and report back.</summary>
        public async Task WaitForStatusAsync(string start)
        {
            await State.DrainAsync().WaitAsync(TimeSpan.FromSeconds(5), Ct); // the change sets the status before it ends
            Assert.StartsWith(start, State.Status, StringComparison.Ordinal);
        }

        public void Dispose()
        {
            App.End(_session);
            Window.Dispose();
            App.Dispose();
        }
    }

    /// <summary>Answers the window's questions as the test says, and remembers them.</summary>
    private sealed class FakeDialogs : ITuiDialogs
    {
        public List<string> Asked { get; } = [];

        public NewAccountFields? NextAccount { get; set; }

        public bool Answer { get; set; }

        public NewAccountFields? AskNewAccount()
        {
            Asked.Add("new account");
            return NextAccount;
        }

        public bool Confirm(string title, string message)
        {
            Asked.Add($"confirm {title}: {message}");
            return Answer;
        }

        public void ShowHelp(string text) => Asked.Add("help");
    }
}
