namespace Tollgate.Core.Tests;

/// <summary>Reads files from the Fixtures folder copied next to the test assembly.</summary>
internal static class Fixture
{
    public static byte[] Bytes(string relative) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", relative));

    /// <summary>Feeds <paramref name="data"/> in two pieces split at <paramref name="at"/>.</summary>
    public static void FeedSplit(byte[] data, int at, Action<byte[]> feed)
    {
        feed(data[..at]);
        feed(data[at..]);
    }
}
