using System.Text.RegularExpressions;
using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>
/// The pre-start port check. It applies only to the types that use their PORT: a command that mentions
/// <c>$PORT</c> / <c>${PORT}</c>, a <c>tcp</c>/<c>http</c> ready probe, or <c>port:</c> set in formation.yml.
/// For the others (workers that never listen) a busy port is not an error, only one line of notice.
/// </summary>
public static partial class PortCheck
{
    /// <summary>Whether the type's instances use their PORT, so a busy PORT refuses the start.</summary>
    public static bool UsesPort(TypeSettings settings) =>
        settings.BasePort is not null &&
        (settings.FixedPort || settings.Ready?.Kind is ReadyKind.Tcp or ReadyKind.Http || PortVariable().IsMatch(settings.Type.Command));

    /// <summary>
    /// Checks the ports of the instances about to start. Returns the system lines to show (ports forced, and
    /// at most one line for busy ports of types that do not use theirs).
    /// </summary>
    /// <param name="plan">The plan the instances belong to.</param>
    /// <param name="instances">The instances about to start.</param>
    /// <param name="ours">Ports the formation's own instances hold now and give up before these start (a reload's moves): not checked.</param>
    /// <exception cref="PortInUseException">A type that uses its PORT finds it held by another process, without force.</exception>
    internal static List<string> Run(FormationPlan plan, IEnumerable<(ProcessType Type, int Index)> instances, IReadOnlySet<int>? ours = null)
    {
        var wanted = new Dictionary<int, (TypeSettings Settings, string Name)>();
        foreach (var (type, index) in instances)
            if (plan.PortFor(type, index) is { } port && ours?.Contains(port) != true) wanted.TryAdd(port, (plan.Settings(type), InstanceName.Of(type.Name, index)));
        var lines = new List<string>();
        if (wanted.Count == 0) return lines;
        var taken = PortOwners.Find(wanted.Keys);
        var refused = taken.Where(t => UsesPort(wanted[t.Key].Settings)).OrderBy(t => t.Key)
            .Select(t => $"port {t.Key} for {wanted[t.Key].Name} is in use by {t.Value}").ToList();
        var ignored = taken.Where(t => !UsesPort(wanted[t.Key].Settings)).OrderBy(t => t.Key).ToList();
        if (refused.Count > 0 && !plan.Options.Force)
            throw new PortInUseException(string.Join("; ", refused) + ". Stop it, choose another base port (-p), or start anyway with --force.",
                taken.Keys.Where(port => UsesPort(wanted[port].Settings)).Order().ToArray());
        lines.AddRange(refused.Select(line => $"{line}; starting anyway (force)"));
        if (ignored.Count > 0)
        {
            var types = ignored.Select(t => wanted[t.Key].Settings.Type.Name).Distinct().ToList();
            var (port, owner) = ignored[0];
            var busy = $"port {port} for {wanted[port].Name} is in use by {owner}";
            lines.Add((ignored.Count == 1 ? busy : $"{ignored.Count} ports are in use by other processes ({busy}, …)") +
                $"; not checked: {string.Join(", ", types)} {(types.Count == 1 ? "does" : "do")} not use $PORT");
        }
        return lines;
    }

    /// <summary><c>$PORT</c>, <c>${PORT}</c>, <c>${PORT:-5000}</c> and the like, not <c>$PORTS</c>.</summary>
    [GeneratedRegex(@"\$(PORT\b|\{PORT[}:\-=?+#%])", RegexOptions.CultureInvariant)]
    private static partial Regex PortVariable();
}
