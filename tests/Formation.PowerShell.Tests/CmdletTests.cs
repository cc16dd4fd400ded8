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
        "Test-Procfile", "Update-Formation", "Wait-Formation",
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
    public void OutputTypes_AreTheModulesOwnTypes_NamedAfterTheNouns()
    {
        Assert.Equal("Formation.PowerShell.FormationProcess", Output("Get-FormationProcess"));
        Assert.Equal("Formation.PowerShell.Formation", Output("Start-Formation"));
        Assert.Equal("Formation.PowerShell.FormationLogRecord", Output("Get-FormationLog"));
        Assert.All(module.Cmdlets.SelectMany(c => c.OutputTypes).Where(t => t.Assembly.GetName().Name != "System.Private.CoreLib"),
            t => Assert.Equal("Formation", t.Assembly.GetName().Name));

        string Output(string name) => module.Cmdlets.Single(c => c.Name == name).OutputTypes[0].FullName!;
    }

    /// <summary>
    /// Import-Module reflects over Formation.dll's public types before any module code runs (so before the
    /// resolver that finds the engine in lib/ is in place): no public or protected member may name a type of
    /// another assembly than .NET's, PowerShell's and Formation.dll's own.
    /// </summary>
    [Fact]
    public void PublicSurface_NamesOnlyDotNetPowerShellAndTheModulesOwnTypes()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var allowed = new[] { "System.Private.CoreLib", "System.Runtime", "System.Collections", "System.Management.Automation", "Formation" };
        var offenders = new List<string>();
        foreach (var type in module.Assembly.GetExportedTypes())
        {
            Check(type.BaseType, $"{type} base");
            foreach (var i in type.GetInterfaces()) Check(i, $"{type} implements");
            foreach (var m in type.GetMembers(all).Where(Visible))
            {
                switch (m)
                {
                    case PropertyInfo p: Check(p.PropertyType, $"{type}.{p.Name}"); break;
                    case FieldInfo f: Check(f.FieldType, $"{type}.{f.Name}"); break;
                    case MethodBase mb:
                        if (mb is MethodInfo mi) Check(mi.ReturnType, $"{type}.{mb.Name} returns");
                        foreach (var p in mb.GetParameters()) Check(p.ParameterType, $"{type}.{mb.Name}({p.Name})");
                        break;
                    case EventInfo e: Check(e.EventHandlerType, $"{type}.{e.Name}"); break;
                }
            }
        }
        Assert.True(offenders.Count == 0, "engine types on the public surface:\n" + string.Join("\n", offenders));

        void Check(Type? t, string where)
        {
            if (t is null) return;
            if (t.HasElementType) { Check(t.GetElementType(), where); return; }
            if (t.IsGenericType) foreach (var a in t.GetGenericArguments()) Check(a, where);
            if (t.IsGenericParameter) return;
            if (!allowed.Contains(t.Assembly.GetName().Name)) offenders.Add($"{where}: {t.FullName} ({t.Assembly.GetName().Name})");
        }

        static bool Visible(MemberInfo m) => m switch
        {
            PropertyInfo p => (p.GetMethod ?? p.SetMethod) is { } acc && (acc.IsPublic || acc.IsFamily || acc.IsFamilyOrAssembly),
            FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
            MethodBase mb => mb.IsPublic || mb.IsFamily || mb.IsFamilyOrAssembly,
            EventInfo e => e.AddMethod is { } add && (add.IsPublic || add.IsFamily),
            _ => false,
        };
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
        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.NotNull(module.Assembly.GetType(n)));
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
