using System.Management.Automation;

namespace Formation.PowerShell.Tests;

/// <summary>Every cmdlet, run in PowerShell 7.6 hosted in-process, on the module as the build lays it out.</summary>
[Collection(HostedCollection.Name)]
public sealed class HostedTests : ModuleHost
{
    [Fact]
    public void Import_ByPath_IsClean_AndExportsEveryCmdletOfTheManifest()
    {
        Assert.Empty(Imported.Errors);
        Assert.Empty(Imported.Warnings);
        var names = Invoke("(Get-Command -Module Formation).Name").Output.Select(o => o.ToString()).Order(StringComparer.Ordinal).ToList();
        var manifest = Invoke("(Import-PowerShellDataFile $module).CmdletsToExport").Output.Select(o => o.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(manifest, names);
        Assert.Contains("Start-Formation", names);
    }

    [Fact]
    public void TypeLiterals_OfTheModulesObjects_ResolveAfterImport()
    {
        var names = Invoke("[Formation.PowerShell.Formation], [Formation.PowerShell.FormationProcess], [Formation.PowerShell.FormationLogRecord] | ForEach-Object Name").Output;
        Assert.Equal(["Formation", "FormationProcess", "FormationLogRecord"], names.Select(n => n.ToString()));
    }

    [Fact]
    public void EveryCmdlet_RunsWithItsParameterSetsAndPipelines()
    {
        var procfile = Procfile("web: exec sleep 100\nworker: sh -c 'echo hello from $PS; exec sleep 100'\n", (".env", "API_KEY=s3cr3t\n"));
        var r = Invoke($$"""
            $f = Start-Formation '{{procfile}}' -Name every -Scale @{ worker = 2 } -Port 17100 -StopTimeout '2s' -RestartPolicy Always -Environment {{Env}} -WaitReady
            $out = [ordered]@{}
            $out.start = $f.GetType().FullName
            $out.get = (Get-Formation every).Name
            $out.byType = (Get-FormationProcess -Formation every -Type worker).Name -join ','
            $out.byState = (Get-FormationProcess -State Running, Ready | Measure-Object).Count
            $out.restart = (Get-FormationProcess -Formation $f -Type worker | Restart-FormationProcess -PassThru).Restarts -join ','
            $out.stopOne = (Stop-FormationProcess -Name web.1 -Formation every -PassThru).State
            $out.startOne = (Get-FormationProcess web.1 | Start-FormationProcess -PassThru).State
            $out.scaleUp = (Set-FormationScale -Formation every -Type worker -Count 3 -PassThru).Name -join ','
            $out.scaleDown = (Set-FormationScale -Formation $f -Scale 'worker=1' -PassThru).Name -join ','
            $out.whatIf = $(Stop-Formation every -WhatIf; (Get-Formation every).State)
            $out.env = (Get-FormationEnvironment web.1 -Formation every | Where-Object Name -in 'PORT', 'API_KEY' | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ','
            $out.secret = (Get-FormationEnvironment -Formation every -ShowSecrets | Where-Object Name -EQ API_KEY).Value
            $out.log = (Wait-Until { Get-FormationLog -Formation every -Name 'worker.*' | Where-Object Line -Like 'hello*' }).GetType().Name
            $out.tail = (Get-FormationLog -Formation $f -Tail 2 | Measure-Object).Count
            $out.procfile = (Test-Procfile '{{procfile}}').Name -join ','
            $out.quiet = Test-Procfile '{{procfile}}' -Quiet
            $out.ready = (Wait-Formation every -Ready -Timeout 10).Name
            $out.stop = ($f | Stop-Formation -PassThru).State
            $out.waited = (Wait-Formation -InputObject $f -Timeout 5).State
            $out.removed = ($f | Remove-Formation -PassThru -Confirm:$false).Name
            $out.gone = @(Get-Formation | Where-Object Name -EQ every).Count
            [pscustomobject]$out
            """.Replace("Wait-Until", "& { param($c) $d = [datetime]::UtcNow.AddSeconds(10); while (-not ($r = & $c) -and [datetime]::UtcNow -lt $d) { Start-Sleep -Milliseconds 50 }; $r }"));
        Assert.Empty(r.Errors);
        var o = Assert.Single(r.Output);
        string P(string name) => o.Properties[name].Value?.ToString() ?? "";
        Assert.Equal("Formation.PowerShell.Formation", P("start"));
        Assert.Equal("every", P("get"));
        Assert.Equal("worker.1,worker.2", P("byType"));
        Assert.Equal("3", P("byState"));
        Assert.Equal("1,1", P("restart"));
        Assert.Equal("Stopped", P("stopOne"));
        Assert.Equal("Running", P("startOne"));
        Assert.Equal("worker.3", P("scaleUp"));
        Assert.Equal("worker.3,worker.2", string.Join(',', P("scaleDown").Split(',').OrderDescending()));
        Assert.Equal("Running", P("whatIf"));
        Assert.Equal("API_KEY=********,PORT=17100", string.Join(',', P("env").Split(',').Order()));
        Assert.Equal("s3cr3t", P("secret"));
        Assert.Equal("2", P("tail"));
        Assert.Equal("web,worker", P("procfile"));
        Assert.Equal("True", P("quiet"));
        Assert.Equal("every", P("ready"));
        Assert.Equal("Stopped", P("stop"));
        Assert.Equal("Stopped", P("waited"));
        Assert.Equal("every", P("removed"));
        Assert.Equal("0", P("gone"));
    }

    [Fact]
    public void FailedStart_IsAnErrorRecord_TheFormationFailed_AndUnstartedProcessesSaySo()
    {
        var procfile = Procfile("release: echo migrating; exit 3\nweb: exec sleep 100\n",
            ("formation.yml", "processes:\n  release:\n    task: true\n  web:\n    after: [release]\n"));
        var r = Invoke($$"""
            $f = Start-Formation '{{procfile}}' -Name failing -Environment {{Env}} -WaitReady
            $f.State
            $f.ExitCode
            ($f.Processes | ForEach-Object { "$($_.Name)=$($_.State)" }) -join ','
            try { Start-Formation '{{procfile}}' -Name failing2 -Environment {{Env}} -WaitReady -ErrorAction Stop; 'not thrown' } catch { 'thrown' }
            """);
        var error = Assert.Single(r.Errors);
        Assert.Equal("FormationTaskFailed,Formation.PowerShell.Commands.StartFormationCommand", error.FullyQualifiedErrorId);
        Assert.Contains("migrating", error.ToString());
        Assert.True(r.HadErrors);
        Assert.Equal(["Failed", "3", "release.1=Crashed,web.1=NotStarted", "thrown"], r.Output.Select(o => o.ToString()));
    }

    [Theory]
    [InlineData("missing", "ProcfileNotFound", "-Procfile")]
    [InlineData("syntax", "ProcfileInvalid", ":1")]
    [InlineData("unknown-type", "FormationTypeUnknown", "Valid types")]
    [InlineData("unknown-type-bad-count", "FormationTypeUnknown", "web")]
    [InlineData("yml", "FormationConfigInvalid", "formation.yml:")]
    public void ConfigurationErrors_HaveTheirOwnIds_AndNamePowerShellParameters(string kind, string id, string mentions)
    {
        var procfile = kind switch
        {
            "missing" => Path.Combine(Directory, "nowhere", "Procfile"),
            "syntax" => Procfile("this is not a procfile line\n"),
            "yml" => Procfile("web: exec sleep 100\n", ("formation.yml", "processes:\n  web:\n    colour: blue\n")),
            _ => Procfile("web: exec sleep 100\n"),
        };
        var scale = kind switch { "unknown-type" => "-Scale @{ wrk = 2 }", "unknown-type-bad-count" => "-Scale 'wrk=abc'", _ => "" };
        var r = Invoke($"Start-Formation '{procfile}' {scale} -Environment {Env}");
        var error = Assert.Single(r.Errors);
        Assert.Equal($"{id},Formation.PowerShell.Commands.StartFormationCommand", error.FullyQualifiedErrorId);
        Assert.Contains(mentions, error.ToString());
        Assert.DoesNotContain("--", error.ToString());
        // Only what this test started: nothing of its directory is left in the session's (or the user's) list.
        Assert.Empty(Invoke("Get-Formation | Where-Object { $_.Procfile.StartsWith($dir) }").Output);
    }

    [Fact]
    public void Arguments_DurationsAndScales_BindFromEveryDocumentedForm()
    {
        var procfile = Procfile("web: exec sleep 100\nworker: exec sleep 100\n");
        var r = Invoke($$"""
            foreach ($t in 5, 0.5, '500ms', '5s', '2m', '00:00:03', [timespan]::FromSeconds(1)) { Start-Formation '{{procfile}}' -StopTimeout $t -WhatIf }
            foreach ($s in @{ worker = 2 }, 'worker=2,web=0', @{ all = 1 }) { Start-Formation '{{procfile}}' -Scale $s -WhatIf }
            Start-Formation '{{procfile}}' -StopTimeout soon -WhatIf
            """);
        var error = Assert.Single(r.Errors);
        Assert.Contains("'soon' is not a duration", error.ToString());
        Assert.StartsWith("CannotConvertArgument", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void GetFormationLogWait_FromAnotherRunspace_EndsWhenTheFormationEnds_AndOnStop()
    {
        var procfile = Procfile("web: sh -c 'echo up; exec sleep 100'\n");
        Invoke($"$f = Start-Formation '{procfile}' -Name follow -Environment {Env} -WaitReady");

        using var other = System.Management.Automation.PowerShell.Create();
        other.AddScript($"Import-Module '{ManifestPath}'; Get-FormationLog -Formation follow -Wait | ForEach-Object Line");
        var (following, lines) = BeginFollowing(other);
        // It is following: it delivered the buffered line, and it has not returned since (an event, not a guessed pause).
        Assert.True(lines.First.Wait(TimeSpan.FromSeconds(10)), "-Wait delivered no line");
        Assert.False(following.IsCompleted, "-Wait returned while the formation runs");
        Invoke("Stop-Formation follow");
        Assert.True(following.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "-Wait did not end when its formation ended");
        Assert.Contains("up", lines.Output.Select(o => o.ToString()));

        Invoke($"$g = Start-Formation '{procfile}' -Name follow2 -Environment {Env} -WaitReady");
        using var third = System.Management.Automation.PowerShell.Create();
        third.AddScript($"Import-Module '{ManifestPath}'; Get-FormationLog -Formation follow2 -Wait");
        var (stopped, records) = BeginFollowing(third);
        Assert.True(records.First.Wait(TimeSpan.FromSeconds(10)), "-Wait delivered no record");
        Assert.False(stopped.IsCompleted, "-Wait returned while the formation runs");
        var stop = third.BeginStop(null, null);
        Assert.True(stop.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "PowerShell.Stop() did not end -Wait");
    }

    /// <summary>Starts a pipeline whose output the test can watch: <c>First</c> is set by the first object written.</summary>
    private static (IAsyncResult Running, (PSDataCollection<PSObject> Output, ManualResetEventSlim First) Watch) BeginFollowing(System.Management.Automation.PowerShell shell)
    {
        var output = new PSDataCollection<PSObject>();
        var first = new ManualResetEventSlim();
        output.DataAdded += (_, _) => first.Set();
        return (shell.BeginInvoke<PSObject, PSObject>(null, output), (output, first));
    }

    [Fact]
    public void ProcessNames_AnExactNameMatchesOneInstance_WildcardsIgnoreCase()
    {
        var procfile = Procfile("web: exec sleep 100\nWeb2: exec sleep 100\n");
        var r = Invoke($$"""
            $null = Start-Formation '{{procfile}}' -Name names -Environment {{Env}}
            (Stop-FormationProcess -Name web.1 -PassThru).Name -join ','
            (Get-FormationProcess -Name 'WEB*').Name -join ','
            (Get-FormationProcess -Name 'web2.1').Name -join ','
            """);
        Assert.Empty(r.Errors);
        Assert.Equal(["web.1", "web.1,Web2.1", "Web2.1"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void RemoveModule_StopsEveryFormationOfTheSession()
    {
        var procfile = Procfile("web: exec sleep 100\ntree: sh -c 'sleep 100 & wait'\n");
        var r = Invoke($$"""
            $f = Start-Formation '{{procfile}}' -Name removal -Environment {{Env}} -WaitReady
            $pids = $f.Processes.ProcessId
            Remove-Module Formation
            $f.State
            """);
        Assert.Empty(r.Errors);
        Assert.Equal("Stopped", Assert.Single(r.Output).ToString());
        Assert.Empty(Formation.Engine.Tests.Support.LeakScanner.Find(Token));
        Invoke("Import-Module $module");
    }

    [Fact]
    public void PortHeldByAnotherFormationOfTheSession_IsNamed_InPowerShellWords()
    {
        var procfile = Procfile("web: exec python3 -c 'import socket,sys,time; s=socket.socket(); s.bind((\"127.0.0.1\", int(sys.argv[1]))); s.listen(); print(\"up\", flush=True); time.sleep(100)' $PORT\n",
            ("formation.yml", "processes:\n  web:\n    ready: { output: '^up$' }\n"));
        var r = Invoke($$"""
            $null = Start-Formation '{{procfile}}' -Name holder -Port 17300 -Environment {{Env}} -WaitReady
            Start-Formation '{{procfile}}' -Name second -Port 17300 -Environment {{Env}}
            """);
        var error = Assert.Single(r.Errors);
        Assert.Equal("FormationPortInUse,Formation.PowerShell.Commands.StartFormationCommand", error.FullyQualifiedErrorId);
        var text = error.ToString();
        Assert.Contains("17300", text);
        Assert.Contains("formation 'holder'", text);
        Assert.Contains("-Force", text);
        Assert.Contains("-Port", text);
        Assert.DoesNotContain("(-p)", text);
    }

    [Fact]
    public void LongWaits_WriteProgress_AndVerboseSteps()
    {
        var procfile = Procfile("web: sh -c 'sleep 0.3; echo up; exec sleep 100'\nworker: exec sleep 100\nstubborn: sh -c 'trap \"\" TERM; echo trapped; while :; do sleep 1; done'\n",
            ("formation.yml", "processes:\n  web:\n    ready: { output: '^up$' }\n  worker:\n    count: 2\n"));
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = Runspace;
        ps.AddScript($$"""
            $f = Start-Formation '{{procfile}}' -Name progress -Environment {{Env}} -WaitReady -Verbose
            Wait-Until { Get-FormationLog stubborn.1 -Formation $f | Where-Object Line -EQ trapped }
            Get-FormationProcess -Formation $f -Type worker | Restart-FormationProcess -Verbose
            Restart-FormationProcess -Formation $f -Name 'worker.*'
            $f | Stop-Formation -Timeout 1 -Verbose
            """.Replace("Wait-Until", "& { param($c) $d = [datetime]::UtcNow.AddSeconds(10); while (-not (& $c) -and [datetime]::UtcNow -lt $d) { Start-Sleep -Milliseconds 50 } }"));
        ps.Invoke();
        Assert.Empty(ps.Streams.Error);
        var activities = ps.Streams.Progress.Select(p => p.Activity).Distinct().ToList();
        Assert.Contains("Starting formation 'progress'", activities);
        Assert.Contains("Restart formation processes", activities);
        Assert.Contains("Stopping formation 'progress'", activities);
        Assert.Contains(ps.Streams.Progress, p => p.StatusDescription.Contains("still running", StringComparison.Ordinal) && p.CurrentOperation.Contains("stubborn.1", StringComparison.Ordinal));
        var verbose = ps.Streams.Verbose.Select(v => v.Message).ToList();
        Assert.Contains(verbose, v => v.StartsWith("Starting formation 'progress'", StringComparison.Ordinal));
        Assert.Contains(verbose, v => v.StartsWith("Restart: worker.2", StringComparison.Ordinal));
        Assert.Contains(verbose, v => v.StartsWith("Stopping formation 'progress'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("'1h'", true)]
    [InlineData("'500ms'", true)]
    [InlineData("86400", true)]
    [InlineData("'00:00:03'", true)]
    [InlineData("'4294968'", false)]
    [InlineData("4294968", false)]
    [InlineData("'50d'", false)]
    [InlineData("'25h'", false)]
    [InlineData("'2.00:00:00'", false)]
    [InlineData("([timespan]::FromDays(50))", false)]
    [InlineData("'-1'", false)]
    public void StopTimeout_TakesTheEnginesOneGrammar_AndItsMaximum(string value, bool accepted)
    {
        var procfile = Procfile("web: exec sleep 100\n");
        var r = Invoke($"Start-Formation '{procfile}' -StopTimeout {value} -WhatIf");
        if (accepted)
        {
            Assert.Empty(r.Errors);
            return;
        }
        var error = Assert.Single(r.Errors);
        Assert.Contains("use a duration from 0 to 24h", error.ToString());
    }
}
