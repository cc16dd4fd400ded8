using System.CommandLine;
using Formation.Engine.Configuration;
using Formation.Engine.Export;

namespace Formation.Cli;

/// <summary><c>formation export FORMAT</c>: writes systemd units, Kubernetes manifests or a Compose file for the formation.</summary>
internal static class ExportCommand
{
    public static Command Create(CliOptions shared)
    {
        var format = new Argument<string>("format") { Description = "systemd, kubernetes (k8s) or compose." };
        format.AcceptOnlyFromAmong("systemd", "kubernetes", "k8s", "compose");
        var output = new Option<string>("--output", "-o")
        {
            Description = "Directory to write the files to (created if missing).",
            DefaultValueFactory = _ => ".",
            HelpName = "dir",
        };
        var app = new Option<string?>("--app", "-a")
        {
            Description = "The app's name in unit and object names (default: formation.yml's name, else the Procfile's directory).",
            HelpName = "name",
        };
        var image = new Option<string?>("--image") { Description = "The container image (kubernetes: required; compose: this or --build).", HelpName = "image" };
        var build = new Option<string?>("--build") { Description = "compose: the build context, relative to the output directory.", HelpName = "dir" };
        var user = new Option<string?>("--user", "-u") { Description = "systemd: the user the services run as.", HelpName = "user" };
        var appDir = new Option<string>("--app-dir")
        {
            Description = "kubernetes, compose: the app's directory inside the image.",
            DefaultValueFactory = _ => "/app",
            HelpName = "path",
        };
        var force = new Option<bool>("--force") { Description = "Overwrite files that exist." };
        var dryRun = new Option<bool>("--dry-run") { Description = "List the files that would be written; write nothing." };

        var command = new Command("export", "Write systemd units, Kubernetes manifests or a Compose file that run the formation.")
        {
            format, output, shared.Procfile, shared.Config, shared.EnvFiles, shared.Formation, shared.Port, shared.Root, app, image, build, user,
            appDir, force, dryRun,
        };
        command.SetAction(r =>
        {
            var directory = Path.GetFullPath(r.GetValue(output)!);
            ExportResult result;
            try
            {
                result = Exporter.Export(Exporter.ParseFormat(r.GetValue(format)!)!.Value, shared.ToFormationOptions(r) with { Name = r.GetValue(app) },
                    new ExportOptions
                    {
                        Image = r.GetValue(image),
                        Build = r.GetValue(build),
                        User = r.GetValue(user),
                        AppDirectory = r.GetValue(appDir)!,
                    }, directory);
                foreach (var warning in result.Warnings) Console.Error.WriteLine($"formation: warning: {warning}");
                if (r.GetValue(dryRun))
                {
                    var existing = ExportWriter.Existing(result, directory).ToHashSet();
                    foreach (var file in result.Files)
                    {
                        var path = ExportWriter.PathOf(directory, file);
                        Console.Out.WriteLine($"would write {path}{(existing.Contains(path) ? " (exists)" : "")}");
                    }
                    return ExitCodes.Success;
                }
                foreach (var path in ExportWriter.Write(result, directory, r.GetValue(force))) Console.Out.WriteLine($"wrote {path}");
            }
            catch (FormationConfigException ex)
            {
                return Program.Fail(ExitCodes.ConfigError, ex.Errors);
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
