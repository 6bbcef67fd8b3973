namespace Tollgate.Dashboard;

/// <summary>One browser tab's events: the refresh key, handed from the layout to the page on screen.</summary>
internal sealed class DashboardEvents
{
    private Func<Task>? _refresh;

    /// <summary>Makes <paramref name="refresh"/> the page's answer to the refresh key until the returned handle is disposed.</summary>
    public IDisposable OnRefresh(Func<Task> refresh)
    {
        _refresh = refresh;
        return new Registration(this, refresh);
    }

    public Task RequestRefreshAsync() => _refresh?.Invoke() ?? Task.CompletedTask;

    private sealed class Registration(DashboardEvents owner, Func<Task> refresh) : IDisposable
    {
        public void Dispose()
        {
            if (owner._refresh == refresh)
            {
                owner._refresh = null;
            }
        }
    }
}
