namespace Federated.Federation.Client;

/// <summary>How a participant reaches the coordinator and names itself. Bound from the "Participant" section and checked by <see cref="ParticipantOptionsValidator"/>.</summary>
public sealed class ParticipantOptions
{
    public const string SectionName = "Participant";

    /// <summary>Coordinator address, e.g. http://127.0.0.1:5000. Required.</summary>
    public Uri? Coordinator { get; set; }

    /// <summary>The site's identifier in the run: 1-64 characters from [A-Za-z0-9._-]. Required.</summary>
    public string SiteId { get; set; } = "";

    /// <summary>Largest global model accepted, bytes. Default 256 MiB.</summary>
    public long MaxModelBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Advertise larger HTTP/2 windows (see Http2Tuning). Default true.</summary>
    public bool TuneTransport { get; set; } = true;

    /// <summary>Timeouts, retries, circuit breaker and reconnection ("Participant:Resilience"); see docs/operations.md.</summary>
    public Resilience.ParticipantResilienceOptions Resilience { get; set; } = new();
}
