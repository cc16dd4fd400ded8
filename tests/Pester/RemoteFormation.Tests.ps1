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

Describe 'A formation of another process, reloaded, and its base port' {
    BeforeAll {
        # A private control directory for what this block starts (Common.ps1 gives the file one once every file has it).
        $script:callerRuntimeDir = $env:XDG_RUNTIME_DIR
        $env:XDG_RUNTIME_DIR = [IO.Directory]::CreateTempSubdirectory('formation-pester-').FullName
        $script:reloadName = "remote-reload-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $script:reloadToken = "pester-remote-reload-$([guid]::NewGuid().ToString('N'))"
        # Its first type has no instance: the base port is still the formation's, not the first instance's PORT.
        $script:reloadProcfile = New-TestProcfile "web: exec sleep 300`nworker: exec sleep 300`n"
        $cli = Get-ChildItem (Join-Path $PSScriptRoot '..' '..' 'src' 'Formation.Cli' 'bin') -Recurse -Filter formation.dll |
            Sort-Object LastWriteTime -Descending | Select-Object -First 1
        $script:cliPath = $cli.FullName
        $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in $cli.FullName, 'start', '-f', $script:reloadProcfile, '--name', $script:reloadName, '-m', 'web=0', '-p', '17900') { $psi.ArgumentList.Add($a) }
        $psi.Environment['FORMATION_TEST_TOKEN'] = $script:reloadToken
        $psi.RedirectStandardOutput = $true
        $script:reloadOwner = [System.Diagnostics.Process]::Start($psi)
        $null = $script:reloadOwner.StandardOutput.ReadToEndAsync()
        Wait-Until -Because "formation '$script:reloadName' to answer" -Condition { @(Get-Formation $script:reloadName -ErrorAction SilentlyContinue).Count -eq 1 }
    }

    AfterAll {
        Get-Formation -Local | Remove-Formation -Confirm:$false
        if (-not $script:reloadOwner.HasExited) { $script:reloadOwner.Kill($true) }
        Find-TokenProcess $script:reloadToken | ForEach-Object { Stop-Process -Id $_ -Force -ErrorAction SilentlyContinue }
        $env:XDG_RUNTIME_DIR = $script:callerRuntimeDir
    }

    It 'shows the same BasePort as a local formation of the same Procfile' {
        $local = Start-Formation $script:reloadProcfile -Name "$script:reloadName-local" -Scale 'web=0' -Port 17900

        (Get-Formation $script:reloadName).BasePort | Should -Be 17900
        $local.BasePort | Should -Be 17900
    }

    It 'reloads from its edited files through its control endpoint, keeping the PIDs of what did not change' {
        $worker = (Get-FormationProcess worker.1 -Formation $script:reloadName).ProcessId
        Set-Content -LiteralPath $script:reloadProcfile -Value "web: exec sleep 300`nworker: exec sleep 300`nclock: exec sleep 300`n" -NoNewline

        $dry = & dotnet $script:cliPath reload $script:reloadName --dry-run
        $LASTEXITCODE | Should -Be 0
        Update-Formation $script:reloadName

        $dry | Where-Object { $_ -match '^clock\s+start\s+0 -> 1\s+new in the Procfile$' } | Should -Not -BeNullOrEmpty
        $dry | Should -Contain "$($script:reloadName): dry run, nothing changed."
        (Get-FormationProcess -Formation $script:reloadName).Name | Should -Be @('worker.1', 'clock.1')
        (Get-FormationProcess worker.1 -Formation $script:reloadName).ProcessId | Should -Be $worker
        (Get-FormationProcess clock.1 -Formation $script:reloadName).Port | Should -Be 18100
    }

    It 'refuses files that do not validate, saying where, and changes nothing' {
        Set-Content -LiteralPath $script:reloadProcfile -Value "worker: exec sleep 300`nnot a line`n" -NoNewline

        Update-Formation $script:reloadName -ErrorVariable problems -ErrorAction SilentlyContinue
        $cli = & dotnet $script:cliPath reload $script:reloadName 2>&1

        $problems.Count | Should -BeGreaterOrEqual 1
        "$($problems[0])" | Should -Match 'Procfile:2: '
        $LASTEXITCODE | Should -Be 1
        "$cli" | Should -Match 'formation: .*Procfile:2: '
        (Get-FormationProcess -Formation $script:reloadName).Name | Should -Be @('worker.1', 'clock.1')
    }
}
