using System.Text;
using Tollgate.Cli;

// Tables, fingerprints (sk-…a1b2) and JSON are UTF-8, whatever locale the shell was started with.
Console.OutputEncoding = Encoding.UTF8;
try
{
    return await TollgateCli.RunAsync(args);
}
finally
{
    TerminalModes.Restore();
}
