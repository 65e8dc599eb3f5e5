namespace Federated.Federation.Client;

/// <summary>What a participant worker just did, for progress displays.</summary>
public enum ParticipantEventKind
{
    Joined,
    Training,
    Uploaded,
    Evaluated,
    Missed,
    Ended,
}

/// <summary>A progress notification of a <see cref="ParticipantWorker"/>.</summary>
/// <param name="SiteId">The site.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Round">The round it happened in (0 before the first).</param>
/// <param name="Detail">Numbers and words for a display.</param>
public sealed record ParticipantEvent(string SiteId, ParticipantEventKind Kind, ulong Round, string Detail);
