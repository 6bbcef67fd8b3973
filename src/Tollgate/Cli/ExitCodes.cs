namespace Tollgate.Cli;

/// <summary>Every exit code the CLI returns, in one place.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>An unexpected failure (a bug); the message says what happened.</summary>
    public const int Failure = 1;

    /// <summary>Bad command-line arguments.</summary>
    public const int InvalidArguments = 2;

    /// <summary>The config file or an environment override is invalid.</summary>
    public const int InvalidConfig = 3;

    /// <summary>The listen port is taken by another process.</summary>
    public const int AddressInUse = 4;

    /// <summary>The listen address was refused (not loopback).</summary>
    public const int ListenRefused = 5;

    /// <summary>The data directory or database could not be opened.</summary>
    public const int StorageUnavailable = 6;

    /// <summary>The named account, key or other item does not exist.</summary>
    public const int NotFound = 7;

    /// <summary>The vault could not be opened (wrong passphrase, missing or foreign vault.key).</summary>
    public const int VaultUnavailable = 8;

    /// <summary>The terminal UI was asked for but there is no terminal (output or input redirected).</summary>
    public const int NoTerminal = 9;

    /// <summary><c>tui --attach URL</c>: no Tollgate gateway answers at that URL.</summary>
    public const int AttachTargetMissing = 10;

    /// <summary>Interrupted by Ctrl+C before finishing.</summary>
    public const int Cancelled = 130;
}
