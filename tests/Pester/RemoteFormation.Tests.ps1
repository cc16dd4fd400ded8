BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:name = "remote-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $script:token = "pester-remote-$([guid]::NewGuid().ToString('N'))"
    $procfile = New-TestProcfile "web: sh -c 'echo web up; exec sleep 300'`nworker: sh -c 'while :; do echo tick; sleep 0.2; done'`n"
    # The formation runs in another process: the formation CLI, as in another terminal.
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in (Get-FormationCliPath), 'start', '-f', $procfile, '--name', $script:name, '-m', 'worker=2', '-p', '17700') { $psi.ArgumentList.Add($a) }
    $psi.Environment['FORMATION_TEST_TOKEN'] = $script:token
    $psi.RedirectStandardOutput = $true
    $script:owner = [System.Diagnostics.Process]::Start($psi)
    $null = $script:owner.StandardOutput.ReadToEndAsync()
    Wait-Until -Because "formation '$script:name' to answer" -Condition { @(Get-Formation $script:name -ErrorAction SilentlyContinue).Count -eq 1 }
}

AfterAll {
    if (-not $script:owner.HasExited) { $script:owner.Kill($true) }
    Find-TokenProcess $script:token | ForEach-Object { Stop-Process -Id $_ -Force -ErrorAction SilentlyContinue }
    Exit-PrivateControlDirectory
}

Describe 'A formation of another process' {
    It 'is listed by Get-Formation with the pid that owns it, and not by Get-Formation -Local' {
        $f = Get-Formation | Where-Object Name -EQ $script:name

        $f.Owner | Should -Be "pid $($script:owner.Id)"
        $f.State | Should -Be 'Running'
        Get-Formation -Local | Where-Object Name -EQ $script:name | Should -BeNullOrEmpty
    }

    It 'restarts its workers through the pipeline, keeping their ports' {
        $before = Get-FormationProcess -Formation $script:name -Type worker

        $after = Get-FormationProcess -Formation $script:name -Type worker | Restart-FormationProcess -PassThru

        $after.Name | Should -Be @('worker.1', 'worker.2')
        $after.Port | Should -Be $before.Port
        $after.Restarts | Should -Be @(1, 1)
        Compare-Object $before.ProcessId $after.ProcessId | Should -HaveCount 4
    }

    It 'scales a type with the next port' {
        $added = Set-FormationScale -Formation $script:name -Type worker -Count 3 -PassThru

        $added.Name | Should -Be 'worker.3'
        $added.Port | Should -Be 17802
    }

    It 'gives its environment and its logs' {
        (Get-FormationEnvironment web.1 -Formation $script:name | Where-Object Name -EQ PORT).Value | Should -Be '17700'
        Get-FormationLog -Formation $script:name -Name web.1 | Where-Object Line -EQ 'web up' | Should -Not -BeNullOrEmpty
    }

    It 'answers 300 reads of its state without holding a connection open for each' {
        $f = Get-Formation $script:name
        $states = 1..300 | ForEach-Object { $f.State }

        $states | Select-Object -Unique | Should -Be 'Running'
        @(Get-ChildItem "/proc/$($script:owner.Id)/fd").Count | Should -BeLessThan 200
    }

    It 'follows its log until Stop-Formation ends it, and nothing is left running' {
        $follow = Start-ThreadJob -ArgumentList $modulePath, $script:name {
            param($module, $name)
            Import-Module (Join-Path $module 'Formation.psd1')
            Get-FormationLog -Formation $name -Wait | Where-Object Line -EQ tick | ForEach-Object Line
        }
        # Following is proven by a line that arrived through it, not by a guessed pause.
        Wait-Until -Because 'a tick through the follow' -Condition { $follow.Output.Count -gt 0 }

        Stop-Formation $script:name

        $follow | Wait-Job -Timeout 15 | Should -Not -BeNullOrEmpty -Because 'the follow ends with the formation'
        @($follow | Receive-Job).Count | Should -BeGreaterThan 0
        $script:owner.WaitForExit(15000) | Should -BeTrue
        Wait-Until -Because 'nothing left running' -Condition { @(Find-TokenProcess $script:token).Count -eq 0 }
        Get-Formation $script:name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
