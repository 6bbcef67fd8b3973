namespace Tollgate.Browser.Tests;

/// <summary>
/// Which Chromium the tests drive: <c>PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH</c>, else the Debian
/// package's <c>/usr/bin/chromium</c>. Without one the tests skip and say how to get one, unless
/// <c>TOLLGATE_REQUIRE_BROWSER=1</c> (CI), which makes a missing browser a failure.
/// </summary>
internal static class BrowserRequirement
{
    public static string? Executable()
    {
        var path = Environment.GetEnvironmentVariable("PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH") is { Length: > 0 } named ? named : "/usr/bin/chromium";
        return File.Exists(path) ? path : null;
    }

    /// <summary>The browser to launch; skips (or fails, when required) the calling test without one.</summary>
    public static string Require()
    {
        if (Executable() is { } path)
        {
            return path;
        }

        const string how = "no Chromium found: install it (apt-get install chromium) or set PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH to run the dashboard's browser tests";
        if (Environment.GetEnvironmentVariable("TOLLGATE_REQUIRE_BROWSER") == "1")
        {
            Assert.Fail(how + " (TOLLGATE_REQUIRE_BROWSER=1 makes this a failure)");
        }

        Assert.Skip(how);
        return "";
    }
}
