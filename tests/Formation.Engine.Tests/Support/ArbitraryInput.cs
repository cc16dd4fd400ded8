using FsCheck;
using FsCheck.Fluent;
using Formation.Engine.Configuration;

namespace Formation.Engine.Tests.Support;

/// <summary>Generators of hostile text for the parsers' properties, and the one check: a result, or our error.</summary>
internal static class ArbitraryInput
{
    internal static readonly FsCheck.Config Many = Config.QuickThrowOnFailure.WithMaxTest(1000);

    /// <summary>Strings biased toward the characters the parsers care about.</summary>
    internal static Arbitrary<string> Texts() =>
        Gen.Elements("web", "A", "=", ":", " ", "\t", "\n", "\r\n", "#", "'", "\"", "\\", "$", "{", "}", "${", "export ", "é", "\0", "\uFEFF", "-", "1")
            .ListOf()
            .Select(parts => string.Concat(parts))
            .ToArbitrary();

    internal static bool OnlyOurError(Action parse)
    {
        try
        {
            parse();
            return true;
        }
        catch (FormationConfigException ex)
        {
            return ex.Errors.Count > 0 && ex.Errors.All(e => e.Message.Length > 0);
        }
    }

    /// <summary>Strings biased toward YAML structure and formation.yml's keys.</summary>
    internal static Arbitrary<string> YamlTexts() =>
        Gen.Elements("processes:", "web:", "worker:", " ", "  ", "\n", "{", "}", "[", "]", ":", ",", "-", "count: 2", "ready: { http: /h }",
                "after: [web]", "task: true", "port: none", "env: { A: 1 }", "'", "\"", "&a", "*a", "!tag", "#", "5s", "nmae: x", "\t")
            .ListOf()
            .Select(parts => string.Concat(parts))
            .ToArbitrary();
}
