namespace Formation.Engine.Supervision;

/// <summary>What a scale operation added and removed.</summary>
public sealed record ScaleResult(string Type, IReadOnlyList<FormationProcess> Added, IReadOnlyList<FormationProcess> Removed);
