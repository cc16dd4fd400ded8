using System.Text.Json.Serialization;

namespace Formation.Engine.Export;

// The part of the Kubernetes API the export writes: these objects and only the fields KubernetesExporter sets.
// They replace KubernetesClient's models, whose PodSpec graph (141 types) made up 1.86 MB of the native `formation`
// and 2.2-2.6 MB of its memory at every start, for an export that writes a few dozen fields. The tests check every
// file against the Kubernetes OpenAPI schemas (tests/validators, npm kubernetes-models: types and required
// fields; they let an unknown field pass), and the golden files, which KubernetesClient's models wrote, byte for byte.
//
// Property order is the order in the file: alphabetical, as the API's schema lists them and KubernetesClient
// declared them. A property's name gives its field's in the API by one rule (camelCase, KubernetesJsonContext),
// so no [JsonPropertyName] can disagree with it; null properties are left out. A port that the API types IntOrString is an int here:
// the export only ever writes numbers.

/// <summary>apps/v1 Deployment: a type's long-running instances.</summary>
internal sealed record Deployment
{
    public string ApiVersion => "apps/v1";
    public string Kind => "Deployment";
    public required ObjectMeta Metadata { get; init; }
    public required DeploymentSpec Spec { get; init; }
}

internal sealed record DeploymentSpec
{
    public required int Replicas { get; init; }
    public required LabelSelector Selector { get; init; }
    public required PodTemplateSpec Template { get; init; }
}

/// <summary>batch/v1 Job: a task's instances, run to completion once.</summary>
internal sealed record Job
{
    public string ApiVersion => "batch/v1";
    public string Kind => "Job";
    public required ObjectMeta Metadata { get; init; }
    public required JobSpec Spec { get; init; }
}

internal sealed record JobSpec
{
    public required int BackoffLimit { get; init; }
    public required int Completions { get; init; }
    public required int Parallelism { get; init; }
    public required PodTemplateSpec Template { get; init; }
}

/// <summary>v1 Service: the port of a type that has one, in front of its pods.</summary>
internal sealed record Service
{
    public string ApiVersion => "v1";
    public string Kind => "Service";
    public required ObjectMeta Metadata { get; init; }
    public required ServiceSpec Spec { get; init; }
}

internal sealed record ServiceSpec
{
    public required IReadOnlyList<ServicePort> Ports { get; init; }
    public required IReadOnlyDictionary<string, string> Selector { get; init; }
}

internal sealed record ServicePort
{
    public required string Name { get; init; }
    public required int Port { get; init; }
    public required string Protocol { get; init; }
    public required int TargetPort { get; init; }
}

/// <summary>v1 ConfigMap: the plain variables.</summary>
internal sealed record ConfigMap
{
    public string ApiVersion => "v1";
    public required IReadOnlyDictionary<string, string> Data { get; init; }
    public string Kind => "ConfigMap";
    public required ObjectMeta Metadata { get; init; }
}

/// <summary>v1 Secret: the variables whose names look secret, as written (stringData), Opaque.</summary>
internal sealed record Secret
{
    public string ApiVersion => "v1";
    public string Kind => "Secret";
    public required ObjectMeta Metadata { get; init; }
    public required IReadOnlyDictionary<string, string> StringData { get; init; }
    public string Type => "Opaque";
}

internal sealed record ObjectMeta
{
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    /// <summary>Null in a pod template, whose pods Kubernetes names.</summary>
    public string? Name { get; init; }
}

internal sealed record LabelSelector
{
    public required IReadOnlyDictionary<string, string> MatchLabels { get; init; }
}

internal sealed record PodTemplateSpec
{
    public required ObjectMeta Metadata { get; init; }
    public required PodSpec Spec { get; init; }
}

internal sealed record PodSpec
{
    public required IReadOnlyList<Container> Containers { get; init; }
    public required string RestartPolicy { get; init; }
    public required long TerminationGracePeriodSeconds { get; init; }
}

internal sealed record Container
{
    public required IReadOnlyList<string> Args { get; init; }
    public required IReadOnlyList<string> Command { get; init; }
    public required IReadOnlyList<EnvVar> Env { get; init; }
    public IReadOnlyList<EnvFromSource>? EnvFrom { get; init; }
    /// <summary>Optional in the API (a controller may set it); the export refuses to run without one (<c>--image</c>).</summary>
    public required string? Image { get; init; }
    public required string Name { get; init; }
    public IReadOnlyList<ContainerPortEntry>? Ports { get; init; }
    public Probe? ReadinessProbe { get; init; }
    public required string WorkingDir { get; init; }
}

/// <summary>The API's ContainerPort (C# does not let a type have a member of its own name).</summary>
internal sealed record ContainerPortEntry
{
    public required int ContainerPort { get; init; }
    public required string Name { get; init; }
    public required string Protocol { get; init; }
}

internal sealed record EnvVar
{
    public required string Name { get; init; }
    public required string Value { get; init; }
}

/// <summary>One of ConfigMapRef and SecretRef.</summary>
internal sealed record EnvFromSource
{
    public LocalObjectReference? ConfigMapRef { get; init; }
    public LocalObjectReference? SecretRef { get; init; }
}

/// <summary>An object of the same namespace, by name: the ConfigMapEnvSource and SecretEnvSource the export writes.</summary>
internal sealed record LocalObjectReference
{
    public required string Name { get; init; }
}

/// <summary>A readiness probe: one of HttpGet and TcpSocket.</summary>
internal sealed record Probe
{
    public HttpGetAction? HttpGet { get; init; }
    public required int PeriodSeconds { get; init; }
    public TcpSocketAction? TcpSocket { get; init; }
}

internal sealed record HttpGetAction
{
    public required string? Path { get; init; }
    public required int Port { get; init; }
}

internal sealed record TcpSocketAction
{
    public required int Port { get; init; }
}

/// <summary>
/// The Kubernetes objects for System.Text.Json's source generator (no reflection: the native <c>formation</c>
/// exports). A context of their own, apart from <see cref="ExportJsonContext"/>, because each API spells its
/// fields by one rule: Kubernetes camelCase (<c>workingDir</c>), Compose snake_case (<c>working_dir</c>).
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Deployment))]
[JsonSerializable(typeof(Job))]
[JsonSerializable(typeof(Service))]
[JsonSerializable(typeof(ConfigMap))]
[JsonSerializable(typeof(Secret))]
internal sealed partial class KubernetesJsonContext : JsonSerializerContext;
