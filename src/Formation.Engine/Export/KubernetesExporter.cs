using Formation.Engine.Configuration;

namespace Formation.Engine.Export;

/// <summary>
/// Kubernetes manifests from our typed models (KubernetesModel.cs): per type a Deployment
/// (a Job for a task) and a Service when it has a port; the variables in a ConfigMap, those whose names
/// look secret in a Secret, both referenced with envFrom. One file per object, for <c>kubectl apply -f DIR</c>.
/// </summary>
internal static class KubernetesExporter
{
    private const string NameLabel = "app.kubernetes.io/name";
    private const string ComponentLabel = "app.kubernetes.io/component";

    public static ExportResult Export(ExportSource source, ExportOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Image))
            throw new FormationConfigException(new ConfigError(null, 0, "The Kubernetes export needs the image the app runs in: pass --image (Export-Formation -Image)."));
        var app = Cap(ExportText.DnsLabel(source.App), 30);
        var files = new List<ExportFile>();
        var warnings = source.NameWarnings().ToList();
        var types = source.Types.ToList();
        var components = Components(types, warnings);

        var shared = EnvObjects(files, $"{app}-env", app, null, source.SharedVariables());
        foreach (var t in types)
        {
            var component = components[t.Type.Name];
            var own = EnvObjects(files, $"{app}-{component}-env", app, component, source.TypeVariables(t));
            Warn(source, t, warnings);
            var pod = Pod(source, options, app, component, t, [.. shared, .. own]);
            if (t.Task)
            {
                var count = source.Plan.Counts[t.Type.Name];
                Add(files, $"{component}-job.yaml", "Job", new Job
                {
                    Metadata = Meta($"{app}-{component}", app, component),
                    Spec = new JobSpec { Completions = count, Parallelism = count, BackoffLimit = 0, Template = pod },
                }, KubernetesJsonContext.Default.Job);
                continue;
            }
            Add(files, $"{component}-deployment.yaml", "Deployment", new Deployment
            {
                Metadata = Meta($"{app}-{component}", app, component),
                Spec = new DeploymentSpec
                {
                    Replicas = source.Plan.Counts[t.Type.Name],
                    Selector = new LabelSelector { MatchLabels = Labels(app, component) },
                    Template = pod,
                },
            }, KubernetesJsonContext.Default.Deployment);
            if (t.BasePort is { } port)
            {
                Add(files, $"{component}-service.yaml", "Service", new Service
                {
                    Metadata = Meta($"{app}-{component}", app, component),
                    Spec = new ServiceSpec
                    {
                        Selector = Labels(app, component),
                        Ports = [new ServicePort { Name = "port", Port = port, TargetPort = port, Protocol = "TCP" }],
                    },
                }, KubernetesJsonContext.Default.Service);
            }
        }
        return new ExportResult(ExportFormat.Kubernetes, files, warnings);
    }

    private static PodTemplateSpec Pod(ExportSource source, ExportOptions options, string app, string component, TypeSettings t, List<EnvFromSource> envFrom)
    {
        var env = new List<EnvVar>();
        if (t.BasePort is { } port) env.Add(new EnvVar { Name = "PORT", Value = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        env.Add(new EnvVar { Name = "PS", Value = t.Type.Name });
        var container = new Container
        {
            Name = component,
            Image = options.Image,
            Command = ["/bin/sh", "-c"],
            // Kubernetes expands $(NAME) in args and reads $$ as $: doubling every $ hands the command to the shell unchanged.
            Args = [t.Type.Command.Replace("$", "$$")],
            WorkingDir = ContainerPath(source, options, t),
            Env = env,
            EnvFrom = envFrom.Count > 0 ? envFrom : null,
            Ports = t.BasePort is { } cp ? [new ContainerPortEntry { ContainerPort = cp, Name = "port", Protocol = "TCP" }] : null,
            ReadinessProbe = t.Ready switch
            {
                { Kind: ReadyKind.Http } r when t.BasePort is { } p => new Probe { HttpGet = new HttpGetAction { Path = r.Path, Port = p }, PeriodSeconds = 2 },
                { Kind: ReadyKind.Tcp } when t.BasePort is { } p => new Probe { TcpSocket = new TcpSocketAction { Port = p }, PeriodSeconds = 2 },
                _ => null,
            },
        };
        return new PodTemplateSpec
        {
            Metadata = new ObjectMeta { Labels = Labels(app, component) },
            Spec = new PodSpec
            {
                Containers = [container],
                RestartPolicy = t.Task ? "Never" : "Always",
                TerminationGracePeriodSeconds = ExportText.Seconds(t.StopTimeout),
            },
        };
    }

    /// <summary>The container's working directory: the type's, relative to the app's directory, under <see cref="ExportOptions.AppDirectory"/>.</summary>
    internal static string ContainerPath(ExportSource source, ExportOptions options, TypeSettings t)
    {
        var appDir = Path.GetDirectoryName(source.Plan.Procfile.Path)!;
        var relative = Path.GetRelativePath(appDir, t.WorkingDirectory).Replace('\\', '/');
        return relative == "." ? options.AppDirectory : $"{options.AppDirectory.TrimEnd('/')}/{relative}";
    }

    private static void Warn(ExportSource source, TypeSettings t, List<ExportWarning> warnings)
    {
        var name = t.Type.Name;
        var config = source.Plan.Config?.Processes.GetValueOrDefault(name);
        if (t.After.Count > 0)
            warnings.Add(new(name, "after", $"Kubernetes has no start order: {name} starts with the others, not after {string.Join(", ", t.After)}."));
        if (t.Ready is { Kind: ReadyKind.Output }) warnings.Add(ExportText.OutputProbe(t, "Kubernetes", "no readinessProbe is written."));
        else if (t.Ready is not null && t.BasePort is null)
            warnings.Add(new(name, $"ready.{t.Ready.Kind.ToString().ToLowerInvariant()}", "the type has no port to probe: no readinessProbe is written."));
        if (config?.ReadyTimeout is not null)
            warnings.Add(new(name, "ready_timeout", "a Kubernetes readiness probe has no deadline: the pod stays unready instead of failing the start."));
        if (t.StopSignal != Os.Signals.Term)
            warnings.Add(new(name, "stop_signal", $"Kubernetes stops containers with SIGTERM, not {ExportText.Signal(t.StopSignal)}."));
        if (!t.Task && t.Restart != RestartPolicy.Always && (config?.Restart is not null || source.Plan.Options.Restart is not null))
            warnings.Add(new(name, "restart", "a Deployment always restarts its containers."));
        if (!t.Task && config?.MaxRestarts is not null)
            warnings.Add(new(name, "max_restarts", "Kubernetes never gives up restarting (CrashLoopBackOff backs off instead)."));
        if (!t.Task && config?.RestartWindow is not null)
            warnings.Add(new(name, "restart_window", "Kubernetes has no restart window (CrashLoopBackOff backs off instead)."));
    }

    /// <summary>A ConfigMap for the plain values and a Secret for the secret-looking ones; the envFrom entries that reference them.</summary>
    private static List<EnvFromSource> EnvObjects(List<ExportFile> files, string name, string app, string? component, IReadOnlyList<KeyValuePair<string, string>> variables)
    {
        var refs = new List<EnvFromSource>();
        var plain = variables.Where(v => !ExportSource.IsSecret(v.Key)).ToDictionary(v => v.Key, v => v.Value);
        var secret = variables.Where(v => ExportSource.IsSecret(v.Key)).ToDictionary(v => v.Key, v => v.Value);
        var file = component is null ? "env" : $"{component}-env";
        if (plain.Count > 0)
        {
            Add(files, $"{file}-configmap.yaml", "ConfigMap", new ConfigMap { Metadata = Meta(name, app, component), Data = plain },
                KubernetesJsonContext.Default.ConfigMap);
            refs.Add(new EnvFromSource { ConfigMapRef = new LocalObjectReference { Name = name } });
        }
        if (secret.Count > 0)
        {
            files.Add(new ExportFile($"{file}-secret.yaml", "Secret", Header + ExportYaml.Serialize(
                new Secret { Metadata = Meta(name, app, component), StringData = secret }, KubernetesJsonContext.Default.Secret), Private: true));
            refs.Add(new EnvFromSource { SecretRef = new LocalObjectReference { Name = name } });
        }
        return refs;
    }

    /// <summary>
    /// Each type's DNS label, at most 28 characters, so that <c>APP-TYPE</c> stays within the 63 characters of a
    /// Service name; distinct, so that no type's objects replace another's (issue 19.10: <c>web-a-3</c>, <c>web-a</c>
    /// and <c>web_a</c>). A type keeps its own label unless a type before it has it; then it gets its position
    /// appended (and <c>-2</c>, <c>-3</c> … while that is any type's label too), with a warning naming both types.
    /// </summary>
    private static Dictionary<string, string> Components(List<TypeSettings> types, List<ExportWarning> warnings)
    {
        var own = types.ToDictionary(t => t.Type.Name, t => Cap(ExportText.DnsLabel(t.Type.Name), 28), StringComparer.Ordinal);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var holder = new Dictionary<string, string>(StringComparer.Ordinal); // label -> the type that has it
        foreach (var t in types)
        {
            var label = own[t.Type.Name];
            if (holder.TryGetValue(label, out var first))
            {
                var taken = own.Values.Concat(holder.Keys).ToHashSet(StringComparer.Ordinal);
                var position = (t.Type.Position + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var renamed = Suffixed(label, position);
                for (var n = 2; taken.Contains(renamed); n++) renamed = Suffixed(label, $"{position}-{n}");
                warnings.Add(new(t.Type.Name, "name", $"'{label}' is already the Kubernetes name of '{first}': the objects of '{t.Type.Name}' are named '{renamed}'."));
                label = renamed;
            }
            holder[label] = t.Type.Name;
            result[t.Type.Name] = label;
        }
        return result;

        static string Suffixed(string label, string suffix) => $"{Cap(label, 27 - suffix.Length)}-{suffix}";
    }

    private static string Cap(string label, int length) => label.Length > length ? label[..length].TrimEnd('-') : label;

    private static ObjectMeta Meta(string name, string app, string? component) => new() { Name = name, Labels = Labels(app, component) };

    private static Dictionary<string, string> Labels(string app, string? component)
    {
        var labels = new Dictionary<string, string> { [NameLabel] = app };
        if (component is not null) labels[ComponentLabel] = component;
        return labels;
    }

    private const string Header = "# Generated by formation export.\n";

    private static void Add<T>(List<ExportFile> files, string name, string kind, T model, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        files.Add(new ExportFile(name, kind, Header + ExportYaml.Serialize(model, type)));
}
