using Microsoft.Win32.SafeHandles;

namespace Tollgate.Cli;

/// <summary>
/// .NET puts a Unix terminal's keypad and cursor keys in "application" mode (terminfo
/// <c>keypad_xmit</c>, <c>ESC[?1h ESC=</c> on xterm and its kin) the first time a program uses
/// the console, and never takes them out of it (dotnet/runtime#25735): after any .NET program
/// the numeric keypad of some terminals (PuTTY) sends letters to the shell. Tollgate takes them
/// out as it exits (<c>keypad_local</c>), on the terminal .NET wrote to: standard output when it
/// is one, else standard input. It cannot tell whether .NET switched anything, so it always
/// writes the reset (not for <c>TERM=dumb</c> or none): on a terminal in its default modes that
/// changes nothing, and a full-screen program that ran <c>tollgate</c> sets its own modes again
/// when it takes the screen back, as it must after .NET's switch anyway.
/// </summary>
internal static class TerminalModes
{
    private static readonly byte[] KeypadLocal = "\e[?1l\e>"u8.ToArray();

    public static void Restore()
    {
        var term = Environment.GetEnvironmentVariable("TERM");
        if (OperatingSystem.IsWindows() || string.IsNullOrEmpty(term) || term == "dumb")
        {
            return; // .NET wrote nothing there
        }

        var fd = !Console.IsOutputRedirected ? 1 : !Console.IsInputRedirected ? 0 : -1;
        if (fd < 0)
        {
            return;
        }

        try
        {
            Console.Out.Flush();
            using var stream = new FileStream(new SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            stream.Write(KeypadLocal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // a terminal that cannot be written to any more has nobody left to type on it
        }
    }
}
