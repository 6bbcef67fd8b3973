using Terminal.Gui.App;

namespace Tollgate.Tui;

/// <summary>
/// Runs the terminal UI over a data source until <c>q</c> (or the stopping token): one
/// Terminal.Gui application instance on a thread of its own, the models' background work beside
/// it, and a 100 ms timer that redraws only when something changed.
/// </summary>
internal static class TuiRunner
{
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    public static async Task RunAsync(ITuiDataSource source, IAccountEditor editor, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        var state = new TuiState(source, editor, time, TimeZoneInfo.Local, logger);
        using var background = new CancellationTokenSource();
        using var changes = new CancellationTokenSource(); // not cancelled by quitting: a change under way is finished, then drained
        var work = Task.Run(
            async () =>
            {
                await state.LoadAsync(background.Token);
                await state.RunAsync(background.Token);
            },
            CancellationToken.None);

        // Its own thread: Terminal.Gui's loop blocks it and sets its synchronisation context on it.
        await Task.Factory.StartNew(() => RunLoop(state, stopping, changes.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await background.CancelAsync();
        await work;
        await state.DrainAsync();
    }

    private static void RunLoop(TuiState state, CancellationToken stopping, CancellationToken changes)
    {
        using var app = Application.Create().Init();
        var monochrome = TuiColors.Disabled(Core.Configuration.ProcessEnvironment.Snapshot());
        if (monochrome)
        {
            TuiColors.UseMonochrome();
        }

        using var window = new TuiWindow(app, state, new TerminalDialogs(app, monochrome), changes);
        app.AddTimeout(RedrawInterval, () =>
        {
            window.Refresh();
            return true;
        });
        using (stopping.Register(() => StopQuietly(app)))
        {
            app.Run(window);
        }
    }

    private static void StopQuietly(IApplication app)
    {
        try
        {
            app.Invoke(a => a.RequestStop());
        }
        catch (InvalidOperationException)
        {
            // The loop already ended.
        }
    }
}
