namespace Formation.Engine.Configuration;

/// <summary>The one spelling of an instance's name: type, dot, index (<c>web.1</c>).</summary>
public static class InstanceName
{
    public static string Of(string type, int index) => $"{type}.{index}";
}
