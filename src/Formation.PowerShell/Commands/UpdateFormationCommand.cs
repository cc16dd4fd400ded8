using System.Management.Automation;
using Formation.Engine;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.PowerShell.Commands;

/// <summary>
/// Reloads formations in place: each re-reads its Procfile, formation.yml and .env files and applies the difference.
/// New types start, removed types stop, types whose command, environment or settings changed restart one instance at a
/// time (each ready before the next), and the others keep their processes and PIDs. -WhatIf shows the plan.
/// </summary>
[Cmdlet(VerbsData.Update, "Formation", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Formation))]
public sealed class UpdateFormationCommand : WholeFormationCmdlet
{
    /// <summary>Write each formation once it has been reloaded.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var formation in Selected())
        {
            if (Reload(formation, dryRun: true) is not { } plan) continue;
            var lines = Describe(plan);
            if (!ShouldProcess($"Reloading formation '{formation.Name}' from {formation.Procfile}:\n{lines}",
                    $"Reload formation '{formation.Name}' from {formation.Procfile}?\n{lines}", "Update-Formation")) continue;
            foreach (var line in lines.Split('\n')) WriteVerbose(line.Trim());
            if (Reload(formation, dryRun: false) is null) continue;
            WriteVerbose($"Formation '{formation.Name}' is reloaded.");
            if (PassThru) WriteObject(formation);
        }
    }

    /// <summary>The plan (a dry run), or the plan applied; null after writing the errors (one per problem in the files).</summary>
    private ReloadPlan? Reload(Formation formation, bool dryRun)
    {
        try
        {
            return Await(formation.Access.ReloadAsync(dryRun, CancelToken));
        }
        catch (FormationConfigException ex)
        {
            WriteConfigErrors(ex, formation.Access.Options);
        }
        catch (FormationException ex)
        {
            WriteError(OperationError(ex, "FormationReloadFailed", formation));
        }
        return null;
    }

    /// <summary>One line per type (name, action, instances, why), then the notes.</summary>
    private static string Describe(ReloadPlan plan)
    {
        var width = plan.Types.Select(t => t.Type.Length).DefaultIfEmpty(4).Max();
        var rows = plan.Types.Select(t =>
            $"  {t.Type.PadRight(width)}  {t.Action.ToString().ToLowerInvariant(),-7}  {(t.From == t.To ? $"{t.To}" : $"{t.From} -> {t.To}"),-7}  {t.Reason}");
        return string.Join("\n", rows.Concat(plan.Notes.Select(n => $"  Note: {n}")));
    }
}
