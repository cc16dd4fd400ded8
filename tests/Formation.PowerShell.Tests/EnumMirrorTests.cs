namespace Formation.PowerShell.Tests;

/// <summary>
/// The module's enums mirror the engine's by member name (the module maps one to the other with Enum.Parse,
/// so its public surface names no engine type): every engine member must have its namesake in the module.
/// </summary>
public class EnumMirrorTests(ModuleMetadata module) : IClassFixture<ModuleMetadata>
{
    [Theory]
    [InlineData("Formation.Engine.Supervision.ProcessState", "Formation.PowerShell.FormationProcessState")]
    [InlineData("Formation.Engine.Supervision.FormationState", "Formation.PowerShell.FormationState")]
    [InlineData("Formation.Engine.Supervision.FormationEnd", "Formation.PowerShell.FormationState")]
    [InlineData("Formation.Engine.Supervision.OutcomeCause", "Formation.PowerShell.FormationEndCause")]
    [InlineData("Formation.Engine.Configuration.RestartPolicy", "Formation.PowerShell.FormationRestartPolicy")]
    [InlineData("Formation.Engine.Output.LogStream", "Formation.PowerShell.FormationLogStream")]
    public void EveryEngineMember_HasItsNamesakeInTheModule(string engineEnum, string moduleEnum)
    {
        var engine = module.Context.LoadFromAssemblyPath(Path.Combine(module.ModuleDirectory, "lib", "Formation.Engine.dll"))
            .GetType(engineEnum, throwOnError: true)!;
        var mirror = module.Assembly.GetType(moduleEnum, throwOnError: true)!;

        var missing = engine.GetFields().Where(f => f.IsLiteral).Select(f => f.Name)
            .Except(mirror.GetFields().Where(f => f.IsLiteral).Select(f => f.Name));

        Assert.Empty(missing);
    }
}
