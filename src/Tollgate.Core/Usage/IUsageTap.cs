namespace Tollgate.Core.Usage;

/// <summary>
/// Watches a response body as it streams to the client and extracts usage without buffering
/// it. <see cref="Observe"/> is called on the forwarding path, so it must be cheap.
/// </summary>
public interface IUsageTap : IDisposable
{
    void Observe(ReadOnlySpan<byte> chunk);

    /// <summary>Finishes the tap. <paramref name="bodyComplete"/> is false when the body was cut or cancelled.</summary>
    CallUsage Complete(bool bodyComplete);
}
