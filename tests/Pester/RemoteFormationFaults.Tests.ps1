BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:token = "pester-remote-faults-$([guid]::NewGuid().ToString('N'))"
    $script:owners = [Collections.Generic.List[Diagnostics.Process]]::new()

    function Start-Owner {
        <# Starts `formation start` in another process, as in another terminal, and waits until pwsh can see it. #>
        param([string] $Procfile, [string] $Name, [string[]] $More = @())
        $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in @((Get-FormationCliPath), 'start', '-f', $Procfile, '--name', $Name) + $More) { $psi.ArgumentList.Add($a) }
        $psi.Environment['FORMATION_TEST_TOKEN'] = $script:token
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $owner = [Diagnostics.Process]::Start($psi)
        $null = $owner.StandardOutput.ReadToEndAsync()
        $null = $owner.StandardError.ReadToEndAsync()
        $script:owners.Add($owner)
        Wait-Until -Because "formation '$Name' to answer" -Condition { @(Get-Formation $Name -ErrorAction SilentlyContinue -WarningAction SilentlyContinue).Count -eq 1 }
        $owner
    }
}

AfterAll {
    foreach ($owner in $script:owners) {
        if (-not $owner.HasExited) { kill -CONT $owner.Id; $owner.Kill($true) }
    }
    Find-TokenProcess $script:token | ForEach-Object { Stop-Process -Id $_ -Force -ErrorAction SilentlyContinue }
    Exit-PrivateControlDirectory
}

Describe 'A formation of another process that fails, or whose owner stops answering' {
    It 'tells Wait-Formation how it ended: its exit code, cause and failed process, as its owner decided' {
        $procfile = New-TestProcfile "web: sleep 1; echo bye; exit 3`n" -Files @{ 'formation.yml' = "processes:`n  web: { restart: never }`n" }
        $owner = Start-Owner $procfile 'crashy'

        $f = Wait-Formation crashy -ErrorVariable failed -ErrorAction SilentlyContinue

        ($f.State, $f.ExitCode, $f.Cause, $f.FailedProcess) | Should -Be @('Failed', 3, 'ProcessCrashed', 'web.1')
        $failed.FullyQualifiedErrorId | Should -Be 'FormationProcessCrashed,Formation.PowerShell.Commands.WaitFormationCommand'
        $owner.WaitForExit(15000) | Should -BeTrue
        $owner.ExitCode | Should -Be $f.ExitCode
    }

    It 'makes Wait-Formation fail when the owner is killed: nobody stopped it, and nobody can say how it ended' {
        $procfile = New-TestProcfile "worker: while :; do echo tick; sleep 0.2; done`n"
        $owner = Start-Owner $procfile 'killed'
        # The owner's connections: accepted sockets carry the endpoint's path in /proc/net/unix, in state 03 (connected).
        $socket = Join-Path $env:XDG_RUNTIME_DIR 'formation' 'killed.sock'
        function Get-ConnectionCount { @(Get-Content /proc/net/unix | Where-Object { ($_ -split '\s+')[5] -eq '03' -and $_.EndsWith(" $socket") }).Count }
        $looked = [Threading.ManualResetEventSlim]::new()
        $go = [Threading.ManualResetEventSlim]::new()
        $waiting = Start-ThreadJob -ArgumentList (Get-Module Formation).Path, $looked, $go -ScriptBlock {
            param($Module, $Looked, $Go)
            Import-Module $Module
            $f = Get-Formation killed
            $Looked.Set()
            if ($Go.Wait(30000)) { $f | Wait-Formation -Timeout 00:00:30 -ErrorVariable failed -ErrorAction SilentlyContinue | Out-Null }
            [pscustomobject]@{ State = "$($f.State)"; Errors = @($failed | ForEach-Object { $_.FullyQualifiedErrorId + ' | ' + $_ }) }
        }
        $looked.Wait(30000) | Should -BeTrue
        # Only then does the wait connect: the connection that appears after the others closed is the wait's.
        Wait-Until -Because 'the lookups have closed their connections' -Condition { (Get-ConnectionCount) -eq 0 }
        $go.Set()
        Wait-Until -Because 'the wait is connected to the owner' -Condition { (Get-ConnectionCount) -ge 1 }
        kill -KILL $owner.Id

        $result = $waiting | Wait-Job -Timeout 30 | Receive-Job
        $waiting.State | Should -Be 'Completed'
        $result.Errors.Count | Should -Be 1
        $result.Errors[0] | Should -BeLike "FormationOwnerLost,Formation.PowerShell.Commands.WaitFormationCommand | *'killed' is gone*"
        $result.State | Should -Be 'Failed'
        Wait-Until -Because 'the watchdog stops what the killed owner ran' -Condition { @(Find-TokenProcess $script:token).Count -eq 0 }
    }

    It 'lets Get-Formation return within the deadline when its owner is stopped, with a warning that names it' {
        $procfile = New-TestProcfile "worker: while :; do echo tick; sleep 0.2; done`n"
        $owner = Start-Owner $procfile 'frozen'
        kill -STOP $owner.Id
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $all = Get-Formation -WarningVariable said -WarningAction SilentlyContinue
            $watch.Stop()
        }
        finally {
            kill -CONT $owner.Id
        }

        $watch.Elapsed.TotalSeconds | Should -BeLessThan 20 -Because 'a stopped owner costs the deadline (5 s), never a hang'
        $all | Where-Object Name -EQ 'frozen' | Should -BeNullOrEmpty
        "$said" | Should -Be "Formation 'frozen' (pid $($owner.Id)) did not answer within 5 s."
        (Get-Formation frozen).State | Should -Be 'Running'
        Stop-Formation frozen
        $owner.WaitForExit(15000) | Should -BeTrue
        Wait-Until -Because 'nothing left running' -Condition { @(Find-TokenProcess $script:token).Count -eq 0 }
    }
}
