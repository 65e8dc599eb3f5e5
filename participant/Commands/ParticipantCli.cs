using System.CommandLine;

namespace Federated.Participant.Commands;

/// <summary>The participant's command line, in one place so that tests run exactly what users run.</summary>
internal static class ParticipantCli
{
    public static RootCommand Create() => new("Federated participant: keeps a site's data on site, trains the building twin locally and takes part in federated rounds.")
    {
        GenerateCommand.Create(),
        TrainLocalCommand.Create(),
        PredictCommand.Create(),
        RunCommand.Create(),
    };
}
