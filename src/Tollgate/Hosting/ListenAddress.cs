using System.Net;

namespace Tollgate.Hosting;

/// <summary>Validates the listen address: loopback only, until client keys exist.</summary>
internal static class ListenAddress
{
    /// <summary>Returns the address to bind, or an error message naming the problem.</summary>
    public static (IPAddress? Address, string? Error) Resolve(string host, bool allowNonLoopback)
    {
        IPAddress? address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(host.Trim('[', ']'), out var parsed) ? parsed
            : null;
        if (address is null)
        {
            return (null, $"server.host '{host}' is not an IP address or 'localhost'");
        }

        if (IPAddress.IsLoopback(address))
        {
            return (address, null);
        }

        // Listening beyond loopback exposes the user's credentials to the network. It will be
        // allowed together with mandatory client keys (the accounts work); until then, never.
        return (null, allowNonLoopback
            ? $"refusing to listen on {host}: a non-loopback address needs client keys, which this version does not have yet; use 127.0.0.1"
            : $"refusing to listen on {host}: only loopback addresses (127.0.0.1, ::1, localhost) are allowed");
    }
}
