namespace Tollgate.Core.Vault;

/// <summary>The vault cannot be opened or a secret cannot be decrypted. The message never carries a secret.</summary>
public sealed class VaultException(string message, Exception? inner = null) : Exception(message, inner);
