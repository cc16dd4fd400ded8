using Formation.Engine.Configuration;

namespace Formation.Engine.Supervision;

/// <summary>What a run of an instance is: its type's settings (the command among them), its PORT and its environment.</summary>
internal sealed record InstanceSpec(TypeSettings Settings, int? Port, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>The instance <paramref name="index"/> of the type as the plan defines it.</summary>
    public static InstanceSpec Of(FormationPlan plan, ProcessType type, int index) =>
        new(plan.Settings(type), plan.PortFor(type, index), plan.EnvironmentFor(type, index));
}
