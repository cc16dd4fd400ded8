using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Formation.PowerShell.Tests;

public partial class CmdletTests(ModuleMetadata module) : IClassFixture<ModuleMetadata>
{
    private static readonly string[] Expected =
    [
        "Export-Formation", "Get-Formation", "Get-FormationEnvironment", "Get-FormationLog", "Get-FormationProcess", "Remove-Formation", "Restart-FormationProcess",
        "Set-FormationScale", "Start-Formation", "Start-FormationProcess", "Stop-Formation", "Stop-FormationProcess",
        "Test-Procfile", "Wait-Formation",
    ];

    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    [Fact]
    public void Assembly_HasTheIssuesCmdlets() =>
        Assert.Equal(Expected, module.Cmdlets.Select(c => c.Name));

    [Fact]
    public void Verbs_AreApproved()
    {
        var approved = new[] { "VerbsCommon", "VerbsCommunications", "VerbsData", "VerbsDiagnostic", "VerbsLifecycle", "VerbsSecurity", "VerbsOther" }
            .SelectMany(t => module.SmaType(t).GetFields(BindingFlags.Public | BindingFlags.Static))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet();

        Assert.All(module.Cmdlets, c => Assert.Contains(c.Verb, approved));
    }

    [Fact]
    public void EveryCmdlet_DeclaresItsOutputType() =>
        Assert.All(module.Cmdlets, c => Assert.True(c.OutputTypes.Count > 0, $"{c.Name} has no [OutputType]"));

    [Fact]
    public void OutputTypes_AreTheEngineSnapshotTypes()
    {
        Assert.Equal("Formation.Engine.Supervision.FormationProcess", Output("Get-FormationProcess"));
        Assert.Equal("Formation.Engine.Supervision.ProcessFormation", Output("Start-Formation"));
        Assert.Equal("Formation.Engine.Output.LogLine", Output("Get-FormationLog"));

        string Output(string name) => module.Cmdlets.Single(c => c.Name == name).OutputTypes[0].FullName!;
    }

    [Fact]
    public void StateChangingCmdlets_SupportShouldProcess()
    {
        var readOnly = new[] { "Get", "Test", "Wait" };

        Assert.All(module.Cmdlets.Where(c => !readOnly.Contains(c.Verb)), c => Assert.True(c.SupportsShouldProcess, $"{c.Name} lacks ShouldProcess"));
    }

    [Fact]
    public void ProcessCmdlets_ByPropertyNameParameters_MatchPropertiesOfGetFormationProcessOutput()
    {
        var output = module.Cmdlets.Single(c => c.Name == "Get-FormationProcess").OutputTypes[0];
        var properties = output.GetProperties().Select(p => p.Name).ToHashSet();
        var byName = module.Cmdlets.Where(c => c.Noun == "FormationProcess")
            .SelectMany(c => c.Parameters.Where(p => p.ByPropertyName).Select(p => (Cmdlet: c.Name, Parameter: p)))
            .ToList();

        Assert.NotEmpty(byName);
        Assert.All(byName, x => Assert.True(
            properties.Contains(x.Parameter.Name) || x.Parameter.Aliases.Any(properties.Contains),
            $"{x.Cmdlet} -{x.Parameter.Name} binds by property name, but {output.Name} has no such property"));
    }

    [Fact]
    public void ProcessCmdlets_TakeGetFormationProcessOutputByValue()
    {
        var output = module.Cmdlets.Single(c => c.Name == "Get-FormationProcess").OutputTypes[0];

        foreach (var name in new[] { "Start-FormationProcess", "Stop-FormationProcess", "Restart-FormationProcess" })
        {
            var byValue = Assert.Single(module.Cmdlets.Single(c => c.Name == name).Parameters, p => p.ByValue);
            Assert.Equal(output.MakeArrayType().FullName, byValue.Property.PropertyType.FullName);
        }
    }

    [Fact]
    public void Manifest_CmdletsToExport_EqualsTheCmdletsInTheAssembly()
    {
        var manifest = File.ReadAllText(Path.Combine(module.RepositoryRoot, "Formation.psd1"));
        var list = CmdletsToExport().Match(manifest).Groups[1].Value;
        var exported = QuotedName().Matches(list).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);

        Assert.Equal(module.Cmdlets.Select(c => c.Name), exported);
        Assert.Contains("RootModule           = 'Formation.dll'", manifest);
        Assert.Contains("PowerShellVersion    = '7.4'", manifest);
        Assert.Contains("CompatiblePSEditions = @('Core')", manifest);
        Assert.Contains("FunctionsToExport    = @()", manifest);
    }

    [Fact]
    public void Help_CoversEveryCmdletAndParameter_WithTwoExamples()
    {
        var help = XDocument.Load(Path.Combine(module.RepositoryRoot, "en-US", "Formation.dll-Help.xml"));
        var commands = help.Root!.Elements(Command + "command").ToDictionary(c => c.Element(Command + "details")!.Element(Command + "name")!.Value);

        Assert.Equal(module.Cmdlets.Select(c => c.Name), commands.Keys.Order(StringComparer.Ordinal));
        foreach (var cmdlet in module.Cmdlets)
        {
            var command = commands[cmdlet.Name];
            Assert.False(string.IsNullOrWhiteSpace(command.Element(Command + "details")!.Element(Maml + "description")!.Value), $"{cmdlet.Name}: no synopsis");
            Assert.False(string.IsNullOrWhiteSpace(command.Element(Maml + "description")!.Value), $"{cmdlet.Name}: no description");
            var parameters = command.Element(Command + "parameters")!.Elements(Command + "parameter")
                .ToDictionary(p => p.Element(Maml + "name")!.Value, p => p.Element(Maml + "description")!.Value);
            Assert.Equal(cmdlet.ParameterNames.Order(StringComparer.Ordinal), parameters.Keys.Order(StringComparer.Ordinal));
            Assert.All(parameters, p => Assert.False(string.IsNullOrWhiteSpace(p.Value), $"{cmdlet.Name} -{p.Key}: no description"));
            Assert.True(command.Element(Command + "examples")!.Elements(Command + "example").Count() >= 2, $"{cmdlet.Name}: fewer than two examples");
            Assert.NotEmpty(command.Element(Command + "inputTypes")!.Elements());
            Assert.NotEmpty(command.Element(Command + "returnValues")!.Elements());
        }
    }

    [Fact]
    public void Help_AboutTopic_CoversTheIssuesSubjects()
    {
        var about = File.ReadAllText(Path.Combine(module.RepositoryRoot, "en-US", "about_Formation.help.txt"));

        foreach (var heading in new[] { "PROCFILE", "FORMATION", "PORTS", "ENVIRONMENT", "RESTART POLICY", "SIGNALS", "USE IN PESTER" })
            Assert.Contains($"\n{heading}\n", about.Replace("\r\n", "\n"));
    }

    [Fact]
    public void FormatAndTypeFiles_NameTypesThatExist()
    {
        var dir = Path.Combine(module.RepositoryRoot, "src", "Formation.PowerShell");
        var names = new[] { "Formation.format.ps1xml", "Formation.types.ps1xml" }
            .SelectMany(f => XDocument.Load(Path.Combine(dir, f)).Descendants().Where(e => e.Name.LocalName is "TypeName" or "Name" && e.Parent!.Name.LocalName is "ViewSelectedBy" or "Type"))
            .Select(e => e.Value)
            .ToList();
        var engine = module.Context.LoadFromAssemblyName("Formation.Engine");

        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.NotNull(engine.GetType(n)));
    }

    [Fact]
    public void TypesFile_AliasesIdToProcessId()
    {
        var types = XDocument.Load(Path.Combine(module.RepositoryRoot, "src", "Formation.PowerShell", "Formation.types.ps1xml"));
        var alias = types.Descendants("AliasProperty").Single(a => a.Element("Name")!.Value == "Id");

        Assert.Equal("ProcessId", alias.Element("ReferencedMemberName")!.Value);
    }

    [Fact]
    public void Build_LaysOutTheModule_WithTheEngineInLib()
    {
        var root = Path.Combine(module.RepositoryRoot, "out", "Formation");

        foreach (var file in new[] { "Formation.psd1", "Formation.dll", "Formation.format.ps1xml", "Formation.types.ps1xml",
                     "en-US/Formation.dll-Help.xml", "en-US/about_Formation.help.txt", "lib/Formation.Engine.dll" })
            Assert.True(File.Exists(Path.Combine(root, file)), $"out/Formation/{file} is missing");
        Assert.False(File.Exists(Path.Combine(root, "Formation.Engine.dll")), "the engine must only be in lib/, where PowerShell does not probe");
        Assert.False(File.Exists(Path.Combine(root, "lib", "Formation.dll")));
        Assert.False(File.Exists(Path.Combine(root, "lib", "System.Management.Automation.dll")), "PowerShell provides System.Management.Automation");
    }

    [Fact]
    public void Cmdlets_DeriveFromTheCancellableBase() =>
        Assert.All(module.Cmdlets, c => Assert.True(Derives(c.Type, "FormationCmdlet"), $"{c.Name} does not derive from FormationCmdlet"));

    private static bool Derives(Type? type, string name)
    {
        for (; type is not null; type = type.BaseType)
            if (type.Name == name) return true;
        return false;
    }

    [GeneratedRegex(@"CmdletsToExport\s*=\s*@\(([^)]*)\)")]
    private static partial Regex CmdletsToExport();

    [GeneratedRegex(@"'([^']+)'")]
    private static partial Regex QuotedName();
}
