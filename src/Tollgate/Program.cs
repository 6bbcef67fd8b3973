using System.Text;
using Tollgate.Cli;
using Tollgate.Core.Storage;

// Tables, fingerprints (sk-…a1b2) and JSON are UTF-8, whatever locale the shell was started with.
Console.OutputEncoding = Encoding.UTF8;
SqliteDatabase.WarmUpInBackground(); // nearly every command opens the store
try
{
    return await TollgateCli.RunAsync(args);
}
finally
{
    TerminalModes.Restore();
}
