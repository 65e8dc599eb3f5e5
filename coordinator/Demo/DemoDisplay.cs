using System.Collections.Concurrent;
using System.Globalization;
using Federated.Coordinator.Federation;
using Federated.Federation.Client;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Federated.Coordinator.Demo;

/// <summary>Collects participants' progress events and renders the live demo view.</summary>
internal sealed class DemoDisplay(IReadOnlyList<string> sites, int rounds) : IProgress<ParticipantEvent>
{
    private readonly ConcurrentDictionary<string, ParticipantEvent> _last = new(StringComparer.Ordinal);

    public void Report(ParticipantEvent value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _last[value.SiteId] = value;
    }

    public IRenderable Render(FederationRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var status = run.GetStatus(0);
        var participants = new Table().Border(TableBorder.Rounded).Title("Participants")
            .AddColumns("Site", "State", "Round", "Last");
        foreach (var site in sites)
        {
            if (_last.TryGetValue(site, out var e))
            {
                participants.AddRow(Markup.Escape(site), e.Kind.ToString(), e.Round.ToString(CultureInfo.InvariantCulture), Markup.Escape(e.Detail));
            }
            else
            {
                participants.AddRow(Markup.Escape(site), "starting", "-", "");
            }
        }
        var roundsTable = new Table().Border(TableBorder.Rounded).Title("Rounds")
            .AddColumns("Round", "Sites", "Train loss", "Val RMSE (K)", "Val MAE (K)", "KiB moved", "Wall s");
        foreach (var r in run.Records)
        {
            roundsTable.AddRow(
                r.Round.ToString(CultureInfo.InvariantCulture),
                r.Participants.Count.ToString(CultureInfo.InvariantCulture),
                Number(r.TrainLoss, "F4"),
                Number(r.ValidationRmse, "F4"),
                Number(r.ValidationMae, "F4"),
                ((r.BytesUploaded + r.BytesDownloaded) / 1024.0).ToString("F0", CultureInfo.InvariantCulture),
                r.WallSeconds.ToString("F1", CultureInfo.InvariantCulture));
        }
        var header = new Markup(string.Create(CultureInfo.InvariantCulture,
            $"[bold]Run {Markup.Escape(run.RunId)}[/]: round {status.Round}/{rounds}, phase [yellow]{status.Phase}[/], {status.ConnectedParticipants} connected, model v{status.ModelVersion}"));
        return new Rows(header, participants, roundsTable);
    }

    internal static string Number(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "-";
}
