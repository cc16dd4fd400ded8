using System.Reflection;
using System.Runtime.InteropServices;

namespace Formation.PowerShell.Tests;

/// <summary>
/// Formation.dll loaded for inspection only (MetadataLoadContext), against the PowerShell reference
/// assembly: no PowerShell runtime is needed to check the cmdlets' shape.
/// </summary>
public sealed class ModuleMetadata : IDisposable
{
    private const string Sma = "System.Management.Automation";

    public ModuleMetadata()
    {
        var bin = AppContext.BaseDirectory;
        RepositoryRoot = FindRepositoryRoot(bin);
        ModuleDirectory = Path.Combine(RepositoryRoot, "out", "Formation");
        var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Concat([Path.Combine(bin, "ref", $"{Sma}.dll"), Path.Combine(ModuleDirectory, "Formation.dll")])
            .Concat(Directory.GetFiles(Path.Combine(ModuleDirectory, "lib"), "*.dll"));
        Context = new MetadataLoadContext(new PathAssemblyResolver(paths), coreAssemblyName: "System.Private.CoreLib");
        Assembly = Context.LoadFromAssemblyPath(Path.Combine(ModuleDirectory, "Formation.dll"));
        Automation = Context.LoadFromAssemblyName(Sma);
        Cmdlets = Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && Attribute(t, "CmdletAttribute") is not null)
            .Select(t => new CmdletInfo(this, t))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The module as the build lays it out (out/Formation), the way a user imports it.</summary>
    public string ModuleDirectory { get; }

    public MetadataLoadContext Context { get; }
    public Assembly Assembly { get; }
    public Assembly Automation { get; }
    public IReadOnlyList<CmdletInfo> Cmdlets { get; }
    public string RepositoryRoot { get; }

    public Type SmaType(string name) => Automation.GetType($"{Sma}.{name}", throwOnError: true)!;

    public static CustomAttributeData? Attribute(MemberInfo member, string name) =>
        member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == name);

    public static IEnumerable<CustomAttributeData> Attributes(MemberInfo member, string name) =>
        member.GetCustomAttributesData().Where(a => a.AttributeType.Name == name);

    public static T? Named<T>(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.Where(a => a.MemberName == name).Select(a => (T?)a.TypedValue.Value).FirstOrDefault();

    public void Dispose() => Context.Dispose();

    private static string FindRepositoryRoot(string from)
    {
        for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Formation.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No Formation.sln above {from}.");
    }
}

/// <summary>A cmdlet class as PowerShell sees it.</summary>
public sealed class CmdletInfo
{
    public CmdletInfo(ModuleMetadata metadata, Type type)
    {
        Type = type;
        var cmdlet = ModuleMetadata.Attribute(type, "CmdletAttribute")!;
        Verb = (string)cmdlet.ConstructorArguments[0].Value!;
        Noun = (string)cmdlet.ConstructorArguments[1].Value!;
        SupportsShouldProcess = ModuleMetadata.Named<bool>(cmdlet, "SupportsShouldProcess");
        OutputTypes = ModuleMetadata.Attributes(type, "OutputTypeAttribute")
            .SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!)
            .Select(a => (Type)a.Value!)
            .ToArray();
        Parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .SelectMany(p => ModuleMetadata.Attributes(p, "ParameterAttribute").Select(a => new ParameterInfo(p, a)))
            .ToArray();
    }

    public Type Type { get; }
    public string Verb { get; }
    public string Noun { get; }
    public string Name => $"{Verb}-{Noun}";
    public bool SupportsShouldProcess { get; }
    public IReadOnlyList<Type> OutputTypes { get; }

    /// <summary>One entry per [Parameter] attribute (a parameter in two sets appears twice).</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }

    /// <summary>The parameter names PowerShell shows, including -WhatIf and -Confirm when ShouldProcess is on.</summary>
    public IReadOnlyList<string> ParameterNames =>
        Parameters.Select(p => p.Name).Distinct().Concat(SupportsShouldProcess ? ["WhatIf", "Confirm"] : []).ToArray();

    public override string ToString() => Name;
}

public sealed class ParameterInfo(PropertyInfo property, CustomAttributeData attribute)
{
    public PropertyInfo Property { get; } = property;
    public string Name => Property.Name;
    public bool ByValue { get; } = ModuleMetadata.Named<bool>(attribute, "ValueFromPipeline");
    public bool ByPropertyName { get; } = ModuleMetadata.Named<bool>(attribute, "ValueFromPipelineByPropertyName");
    public string? ParameterSet { get; } = ModuleMetadata.Named<string>(attribute, "ParameterSetName");

    public IReadOnlyList<string> Aliases =>
        ModuleMetadata.Attributes(Property, "AliasAttribute")
            .SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!)
            .Select(a => (string)a.Value!)
            .ToArray();
}
