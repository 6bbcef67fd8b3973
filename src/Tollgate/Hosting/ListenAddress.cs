using System.Net;

namespace Tollgate.Hosting;

/// <summary>Validates the listen address: loopback, or beyond it only when allowed (and then client keys are required).</summary>
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

        // Listening beyond loopback exposes the gateway to the network: allowed only when asked
        // for, and then the start also checks that accounts and client keys exist, so that every
        // client has to authenticate (AccountRuntime).
        return allowNonLoopback
            ? (address, null)
            : (null, $"refusing to listen on {host}: only loopback addresses (127.0.0.1, ::1, localhost) are allowed unless server.allow_non_loopback = true (which also requires accounts and client keys)");
    }
}
