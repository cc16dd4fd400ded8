BeforeDiscovery {
    # One row per cause: the formation, the CLI's exit code, the module's error id, and the one message both show.
    # Each formation ends by itself (or by the engine's readiness verdict), so every host can be asked the same.
    $script:causes = @(
        @{ Cause = 'TaskFailed'; Procfile = "release: echo 'no such table' >&2; exit 6`nweb: exec sleep 100`n"
            Yml = "processes:`n  release: { task: true }`n  web: { after: [release] }`n"
            ExitCode = 6; Id = 'FormationTaskFailed'; Message = 'task release.1 exited with code 6.' }
        @{ Cause = 'NotReady'; Procfile = "db: exec sleep 100`nweb: exec sleep 100`n"
            Yml = "processes:`n  db: { ready: { output: never-printed }, ready_timeout: 300ms }`n  web: { after: [db] }`n"
            ExitCode = 4; Id = 'FormationNotReady'; Message = 'db.1 not ready within 300 ms (output /never-printed/).' }
        @{ Cause = 'CouldNotStart'; Procfile = "web: rials server`n"; Yml = $null
            ExitCode = 5; Id = 'FormationProcessCouldNotStart'; Message = "web.1 could not start: command not found: 'rials'" }
        @{ Cause = 'GaveUp'; Procfile = "crash: echo boom; exit 3`n"; Yml = "processes:`n  crash: { max_restarts: 1 }`n"
            ExitCode = 3; Id = 'FormationProcessGaveUp'; Message = 'crash.1 ended 1 time within 1 min (last exited with code 3); not restarting it.' }
        @{ Cause = 'DependencyEnded'; Procfile = "db: exit 0`nweb: exec sleep 100`n"
            Yml = "processes:`n  db: { restart: never, ready: { output: '^up$' } }`n  web: { after: [db] }`n"
            ExitCode = 4; Id = 'FormationDependencyEnded'; Message = 'db.1 exited with code 0 and is not restarted, so the types after it cannot start.' }
        @{ Cause = 'ProcessCrashed'; Procfile = "job: exit 2`n"; Yml = "processes:`n  job: { restart: never }`n"
            ExitCode = 3; Id = 'FormationProcessCrashed'; Message = 'Every process has ended; job.1 exited with code 2.' }
        @{ Cause = 'ExitedUnderExitOnError'; Procfile = "bad: exit 7`nok: exec sleep 100`n"; Yml = "processes:`n  bad: { restart: never }`n"
            ExitOnError = $true; ExitCode = 7; Id = 'FormationProcessExited'; Message = 'bad.1 exited with code 7 and is not restarted; exit-on-error stops the formation.' }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:cli = Get-ChildItem (Join-Path $PSScriptRoot '..' '..' 'src' 'Formation.Cli' 'bin') -Recurse -Filter formation.dll |
        Sort-Object LastWriteTime -Descending | Select-Object -First 1

    function Invoke-Cli {
        <# Runs `formation ARGS` to its end (bounded); returns exit code and stderr lines. #>
        param([string[]] $Arguments, [string] $Token)
        $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in @($script:cli.FullName) + $Arguments) { $psi.ArgumentList.Add($a) }
        $psi.Environment['FORMATION_TEST_TOKEN'] = $Token
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [System.Diagnostics.Process]::Start($psi)
        $stdout = $p.StandardOutput.ReadToEndAsync()
        $stderr = $p.StandardError.ReadToEndAsync()
        if (-not $p.WaitForExit(60000)) { $p.Kill($true); throw "formation $Arguments did not end within 60 s" }
        $p.WaitForExit()
        [pscustomobject]@{ ExitCode = $p.ExitCode; Stderr = @($stderr.Result -split '\r?\n' | Where-Object { $_ }); Stdout = $stdout.Result }
    }
}

AfterAll {
    Exit-PrivateControlDirectory
}

Describe 'The outcome of a formation, in every host' {
    It 'is <Cause> in the CLI: exit code <ExitCode> and the message on stderr' -ForEach $script:causes {
        $token = "pester-outcome-$([guid]::NewGuid().ToString('N'))"
        $files = if ($Yml) { @{ 'formation.yml' = $Yml } } else { @{} }
        $procfile = New-TestProcfile $Procfile -Files $files
        $arguments = @('start', '-f', $procfile, '--name', "cli-$($Cause.ToLowerInvariant())", '-p', '17900')
        if ($ExitOnError) { $arguments += '--exit-on-error' }

        $run = Invoke-Cli $arguments $token

        $run.ExitCode | Should -Be $ExitCode
        $run.Stderr[0] | Should -BeLike "formation: $Message*"
        @(Find-TokenProcess $token) | Should -BeNullOrEmpty
    }

    It 'is <Cause> in the module: error <Id>, the same message, and the formation Failed with exit code <ExitCode>' -ForEach $script:causes {
        $files = if ($Yml) { @{ 'formation.yml' = $Yml } } else { @{} }
        $procfile = New-TestProcfile $Procfile -Files $files
        $name = "module-$($Cause.ToLowerInvariant())"

        $f = Start-Formation $procfile -Name $name -Port 17900 -ExitOnError:([bool]$ExitOnError) -Wait -ErrorVariable err -ErrorAction SilentlyContinue 6>$null

        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be "$Id,Formation.PowerShell.Commands.StartFormationCommand"
        $err[0].Exception.Message | Should -BeLike "Formation '$name' failed: $Message*"
        $err[0].TargetObject.Name | Should -Be $name
        $f.State | Should -Be 'Failed'
        $f.Cause | Should -Be $Cause
        $f.ExitCode | Should -Be $ExitCode
        Get-Formation -Local $name | Remove-Formation
    }
}

Describe 'A readiness wait that can never succeed' {
    It 'ends, within ready_timeout and the stop, when the ready line never comes (nothing left running)' {
        $token = "pester-notready-$([guid]::NewGuid().ToString('N'))"
        $procfile = New-TestProcfile "web: exec sleep 1000`n" -Files @{ 'formation.yml' = "processes:`n  web: { ready: { output: never-printed }, ready_timeout: 2s }`n" }
        $clock = [Diagnostics.Stopwatch]::StartNew()

        $f = Start-Formation $procfile -Name never-ready -Environment @{ FORMATION_TEST_TOKEN = $token } -WaitReady -ErrorVariable err -ErrorAction SilentlyContinue

        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30
        $err[0].FullyQualifiedErrorId | Should -Be 'FormationNotReady,Formation.PowerShell.Commands.StartFormationCommand'
        $err[0].Exception.Message | Should -Be "Formation 'never-ready' failed: web.1 not ready within 2 s (output /never-printed/)."
        $f.State | Should -Be 'Failed'
        @(Find-TokenProcess $token) | Should -BeNullOrEmpty
        $f | Remove-Formation
    }

    It 'ends when a command is not found beside a worker that runs, and stops the worker' {
        $token = "pester-typo-$([guid]::NewGuid().ToString('N'))"
        $procfile = New-TestProcfile "web: rials server -p `$PORT`nworker: exec sleep 600`n" -Files @{ 'formation.yml' = "processes:`n  web: { ready: { http: /health }, ready_timeout: 10s }`n" }

        $f = Start-Formation $procfile -Name typo-ready -Port 17950 -Environment @{ FORMATION_TEST_TOKEN = $token } -WaitReady -ErrorVariable err -ErrorAction SilentlyContinue

        $err[0].FullyQualifiedErrorId | Should -Be 'FormationProcessCouldNotStart,Formation.PowerShell.Commands.StartFormationCommand'
        $err[0].Exception.Message | Should -BeLike "Formation 'typo-ready' failed: web.1 could not start: command not found: 'rials'*"
        $f.FailedProcess | Should -Be 'web.1'
        (Get-FormationProcess -Formation $f -Name worker.1).State | Should -Be 'Stopped'
        @(Find-TokenProcess $token) | Should -BeNullOrEmpty
        $f | Remove-Formation
    }

    It 'ends Wait-Formation -Ready too: the formation is stopped and the error says why' {
        $procfile = New-TestProcfile "web: exec sleep 1000`nworker: exec sleep 1000`n" -Files @{ 'formation.yml' = "processes:`n  web: { ready: { output: never }, ready_timeout: 500ms }`n" }
        $f = Start-Formation $procfile -Name wait-ready-fails

        $f | Wait-Formation -Ready -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $err[0].FullyQualifiedErrorId | Should -Be 'FormationNotReady,Formation.PowerShell.Commands.WaitFormationCommand'
        $f.State | Should -Be 'Failed'
        $f.Cause | Should -Be 'NotReady'
        (Get-FormationProcess -Formation $f).State | Should -Be @('Stopped', 'Stopped')
        $f | Remove-Formation
    }

    It 'throws with -ErrorAction Stop, so a BeforeAll fails at once with the real error' {
        $procfile = New-TestProcfile "web: exec sleep 1000`n" -Files @{ 'formation.yml' = "processes:`n  web: { ready: { output: never }, ready_timeout: 500ms }`n" }

        { Start-Formation $procfile -Name throws-not-ready -WaitReady -ErrorAction Stop } | Should -Throw "*web.1 not ready within 500 ms*"
        (Get-Formation -Local throws-not-ready).State | Should -Be 'Failed'
        Get-Formation -Local throws-not-ready | Remove-Formation
    }
}

Describe 'Restart-FormationProcess by name' {
    It 'acts on the running formation, not on an ended one that has a process of the same name' {
        $old = Start-Formation (New-TestProcfile "web: exec sleep 100`n") -Name ended-web
        $old | Stop-Formation
        $live = Start-Formation (New-TestProcfile "web: exec sleep 100`n") -Name live-web
        $before = (Get-FormationProcess -Formation $live web.1).ProcessId

        [pscustomobject]@{ Name = 'web.1' } | Restart-FormationProcess -ErrorVariable err -ErrorAction SilentlyContinue

        $err | Should -BeNullOrEmpty
        (Get-FormationProcess -Formation $live web.1).ProcessId | Should -Not -Be $before
        $live, $old | Remove-Formation
    }

    It 'says a name found only in ended formations is not running' {
        $old = Start-Formation (New-TestProcfile "lonely: exec sleep 100`n") -Name ended-lonely
        $old | Stop-Formation

        Restart-FormationProcess lonely.1 -ErrorVariable err -ErrorAction SilentlyContinue

        $err[0].FullyQualifiedErrorId | Should -Be 'FormationProcessInEndedFormation,Formation.PowerShell.Commands.RestartFormationProcessCommand'
        $err[0].Exception.Message | Should -BeLike "*'ended-lonely' has one but ended*"
        $old | Remove-Formation
    }

    It 'runs eight restarts of one instance at once from runspaces and leaves one process on its PORT' {
        $token = "pester-restarts-$([guid]::NewGuid().ToString('N'))"
        $f = Start-Formation (New-TestProcfile "web: exec sleep 600`n") -Name racing -Port 17960 -Environment @{ FORMATION_TEST_TOKEN = $token }
        $module = (Get-Module Formation).Path

        $jobs = 1..8 | ForEach-Object {
            $ps = [powershell]::Create()
            $null = $ps.AddScript({ param($m) Import-Module $m; Restart-FormationProcess web.1 -Formation racing -PassThru }).AddArgument($module)
            [pscustomobject]@{ Shell = $ps; Handle = $ps.BeginInvoke() }
        }
        $results = foreach ($j in $jobs) {
            if (-not $j.Handle.AsyncWaitHandle.WaitOne(60000)) { throw 'a restart did not return within 60 s' }
            $j.Shell.EndInvoke($j.Handle)
            $j.Shell.Dispose()
        }

        $results | Should -HaveCount 8
        $live = @(Find-TokenProcess $token)
        $live | Should -HaveCount 1
        (Get-FormationProcess -Formation $f web.1).ProcessId | Should -Be $live[0]
        [IO.File]::ReadAllText("/proc/$($live[0])/environ").Split([char]0) | Should -Contain 'PORT=17960'
        $f | Remove-Formation
    }
}
