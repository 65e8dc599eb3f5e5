using Federated.Coordinator.Rounds;

namespace Federated.Federation.Tests.Coordinator;

public class RoundStateMachineTests
{
    [Fact]
    public void Fire_HappyPath_VisitsEveryPhaseInOrder()
    {
        var machine = new RoundStateMachine();
        Assert.Equal(RoundPhase.WaitingForParticipants, machine.Phase);

        Assert.Equal(RoundPhase.Training, machine.Fire(RoundTrigger.ParticipantsReady));
        Assert.Equal(RoundPhase.Aggregating, machine.Fire(RoundTrigger.UpdatesCollected));
        Assert.Equal(RoundPhase.Evaluating, machine.Fire(RoundTrigger.Aggregated));
        Assert.Equal(RoundPhase.Completed, machine.Fire(RoundTrigger.EvaluationsCollected));

        Assert.True(machine.IsFinal);
        Assert.Null(machine.FailureReason);
        Assert.Equal(
            [RoundPhase.WaitingForParticipants, RoundPhase.Training, RoundPhase.Aggregating, RoundPhase.Evaluating],
            machine.History.Select(t => t.From));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Fail_FromAnyNonFinalPhase_EndsFailedWithReason(int stepsBefore)
    {
        var machine = new RoundStateMachine();
        var path = new[] { RoundTrigger.ParticipantsReady, RoundTrigger.UpdatesCollected, RoundTrigger.Aggregated };
        foreach (var trigger in path.Take(stepsBefore))
        {
            machine.Fire(trigger);
        }

        machine.Fail("too few updates");

        Assert.Equal(RoundPhase.Failed, machine.Phase);
        Assert.Equal("too few updates", machine.FailureReason);
        Assert.True(machine.IsFinal);
    }

    [Theory]
    [InlineData(nameof(RoundTrigger.UpdatesCollected))]
    [InlineData(nameof(RoundTrigger.Aggregated))]
    [InlineData(nameof(RoundTrigger.EvaluationsCollected))]
    public void Fire_TriggerNotAllowedInPhase_ThrowsNamingPhaseAndTrigger(string triggerName)
    {
        var trigger = Enum.Parse<RoundTrigger>(triggerName);
        var machine = new RoundStateMachine();

        var ex = Assert.Throws<InvalidOperationException>(() => machine.Fire(trigger));

        Assert.Equal($"Round phase WaitingForParticipants does not accept trigger {trigger}.", ex.Message);
        Assert.Equal(RoundPhase.WaitingForParticipants, machine.Phase);
        Assert.False(machine.CanFire(trigger));
    }

    [Fact]
    public void Fire_AfterCompleted_Throws()
    {
        var machine = new RoundStateMachine();
        machine.Fire(RoundTrigger.ParticipantsReady);
        machine.Fire(RoundTrigger.UpdatesCollected);
        machine.Fire(RoundTrigger.Aggregated);
        machine.Fire(RoundTrigger.EvaluationsCollected);

        Assert.Throws<InvalidOperationException>(() => machine.Fire(RoundTrigger.ParticipantsReady));
        Assert.Throws<InvalidOperationException>(() => machine.Fail("late"));
    }

    [Fact]
    public void Fail_Twice_SecondThrows()
    {
        var machine = new RoundStateMachine();
        machine.Fail("no participants");

        var ex = Assert.Throws<InvalidOperationException>(() => machine.Fail("again"));
        Assert.Equal("Round phase Failed does not accept trigger Fail.", ex.Message);
        Assert.Equal("no participants", machine.FailureReason);
    }

    [Fact]
    public void Fire_WithFailTrigger_RequiresReason()
    {
        var machine = new RoundStateMachine();
        Assert.Throws<ArgumentException>(() => machine.Fire(RoundTrigger.Fail));
    }
}
