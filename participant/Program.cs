using Federated.Participant.Commands;

return await ParticipantCli.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
