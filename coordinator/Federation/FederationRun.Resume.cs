using System.Globalization;
using Federated.Federation.Transfer;
using Federated.Federation.V1;
using Grpc.Core;
using RoundPhase = Federated.Coordinator.Rounds.RoundPhase;

namespace Federated.Coordinator.Federation;

/// <summary>
/// Resumable uploads: when an UploadUpdate stream breaks off (network, client restart of the call), the chunks that
/// were checked so far are kept in memory, one partial upload per site, keyed by the upload's idempotency key. A
/// retry asks <see cref="GetUploadStatus"/> and continues from the next chunk; the digest covers the whole payload
/// as before, so a resumed upload is accepted only if it is byte-for-byte the upload that was started. A partial
/// upload never counts and is never written anywhere: it is dropped when it is rejected, replaced by a new upload of
/// the site, completed, or when its round closes for uploads.
/// </summary>
internal sealed partial class FederationRun
{
    private readonly Dictionary<string, PartialUpload> _partials = new(StringComparer.Ordinal);

    /// <summary>What the coordinator holds of the caller's upload <c>idempotency_key</c> in <c>round</c>.</summary>
    public UploadStatus GetUploadStatus(GetUploadStatusRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.IdempotencyKey) || request.IdempotencyKey.Length > 256)
        {
            throw Fail(StatusCode.InvalidArgument, $"idempotency_key must be 1-256 characters (got {request.IdempotencyKey.Length})");
        }
        lock (_gate)
        {
            var site = Authenticate(request.SessionToken);
            var round = _current;
            if (round is null || request.Round != round.Round)
            {
                throw Fail(StatusCode.FailedPrecondition, $"round: expected {round?.Round.ToString(CultureInfo.InvariantCulture) ?? "none (no round in progress)"}, got {request.Round}");
            }
            if (round.AcceptedKeys.TryGetValue(request.IdempotencyKey, out var owner) && owner == site.Id)
            {
                return new UploadStatus { Accepted = true };
            }
            if (_partials.TryGetValue(site.Id, out var partial) && !partial.InUse && ReferenceEquals(partial.Ticket.Round, round)
                && string.Equals(partial.Ticket.Header.IdempotencyKey, request.IdempotencyKey, StringComparison.Ordinal))
            {
                return new UploadStatus { ReceivedChunks = partial.Assembler.ReceivedChunks, ReceivedBytes = (ulong)partial.Assembler.ReceivedBytes };
            }
            return new UploadStatus();
        }
    }

    /// <summary>
    /// The assembler for a validated upload: a new one (discarding the site's earlier partial upload), or, for a
    /// header with resume_from_chunk = k, the kept partial upload with the same key, header and exactly k chunks.
    /// </summary>
    public PartialUpload OpenUpload(UploadTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        uint resumeFrom = ticket.Header.ResumeFromChunk;
        lock (_gate)
        {
            _partials.TryGetValue(ticket.SiteId, out var kept);
            if (resumeFrom == 0)
            {
                if (kept is not null && !kept.InUse)
                {
                    kept.Assembler.Dispose();
                }
                var fresh = new PartialUpload(ticket, CreateAssembler(ticket)) { InUse = true };
                _partials[ticket.SiteId] = fresh;
                return fresh;
            }
            if (kept is null || kept.InUse || !ReferenceEquals(kept.Ticket.Round, ticket.Round)
                || !string.Equals(kept.Ticket.Header.IdempotencyKey, ticket.Header.IdempotencyKey, StringComparison.Ordinal))
            {
                throw Fail(StatusCode.FailedPrecondition, $"resume_from_chunk {resumeFrom}: no interrupted upload with idempotency_key \"{ticket.Header.IdempotencyKey}\" is held for site {ticket.SiteId}; start again from chunk 0");
            }
            if (!SameUpload(kept.Ticket.Header, ticket.Header))
            {
                throw FailPlain(StatusCode.InvalidArgument, "resume_from_chunk: the header differs from the interrupted upload's (round, encoding, total_bytes, sample_count, train_loss, base_model_version and the other fields must be equal)");
            }
            if (kept.Assembler.ReceivedChunks != resumeFrom)
            {
                throw Fail(StatusCode.FailedPrecondition, $"resume_from_chunk: expected {kept.Assembler.ReceivedChunks} (the chunks held), got {resumeFrom}");
            }
            kept.InUse = true;
            return kept;
        }
    }

    /// <summary>The call ended: a broken stream keeps the chunks for a resume; anything else drops them.</summary>
    public void CloseUpload(PartialUpload upload, bool keep)
    {
        ArgumentNullException.ThrowIfNull(upload);
        lock (_gate)
        {
            bool current = _partials.TryGetValue(upload.Ticket.SiteId, out var registered) && ReferenceEquals(registered, upload);
            bool open = ReferenceEquals(upload.Ticket.Round, _current) && upload.Ticket.Round.Machine.Phase == RoundPhase.Training;
            if (keep && current && open && upload.Assembler.ReceivedChunks > 0)
            {
                upload.InUse = false;
                return;
            }
            if (current)
            {
                _partials.Remove(upload.Ticket.SiteId);
            }
            upload.Assembler.Dispose();
        }
    }

    /// <summary>Drops every kept partial upload (the round closed for uploads); call under the lock.</summary>
    private void DropPartialUploads()
    {
        foreach (var partial in _partials.Values.Where(p => !p.InUse).ToArray())
        {
            partial.Assembler.Dispose();
            _partials.Remove(partial.Ticket.SiteId);
        }
    }

    /// <summary>Number of partial uploads held (tests).</summary>
    internal int PartialUploadCount
    {
        get
        {
            lock (_gate)
            {
                return _partials.Count;
            }
        }
    }

    private static bool SameUpload(UpdateHeader a, UpdateHeader b)
    {
        var x = a.Clone();
        var y = b.Clone();
        x.SessionToken = y.SessionToken = "";
        x.ResumeFromChunk = y.ResumeFromChunk = 0;
        return x.Equals(y);
    }
}

/// <summary>An upload in progress or interrupted: its validated header and the chunks checked so far.</summary>
internal sealed class PartialUpload(UploadTicket ticket, ChunkAssembler assembler)
{
    public UploadTicket Ticket { get; } = ticket;
    public ChunkAssembler Assembler { get; } = assembler;
    /// <summary>A call is using it (guarded by the run's lock).</summary>
    public bool InUse { get; set; }
}
