BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Exit-PrivateControlDirectory
}

Describe 'Get-FormationProcess' {
    BeforeAll {
        $procfile = New-TestProcfile "web: exec sleep 100`nworker: exec sleep 100`ncrash: echo 'about to crash'; exit 3`n"
        $script:f = Start-Formation $procfile -Name gfp -Scale @{ web = 2 } -RestartPolicy Never
        Wait-Until -Because 'crash.1 to crash' -Condition { (Get-FormationProcess crash.1 -Formation gfp).State -eq 'Crashed' }
    }

    AfterAll {
        $script:f | Remove-Formation
    }

    It 'writes one snapshot per instance, in Procfile order' {
        (Get-FormationProcess -Formation gfp).Name | Should -Be @('web.1', 'web.2', 'worker.1', 'crash.1')
    }

    It 'filters by name with wildcards, by type and by state' {
        (Get-FormationProcess web.* -Formation gfp).Name | Should -Be @('web.1', 'web.2')
        (Get-FormationProcess -Type worker -Formation gfp).Name | Should -Be 'worker.1'
        (Get-FormationProcess -State Crashed -Formation gfp).Name | Should -Be 'crash.1'
    }

    It 'takes the formation from the pipeline' {
        ($script:f | Get-FormationProcess -Type web).Count | Should -Be 2
    }

    It 'has the documented properties and the Id alias' {
        $p = Get-FormationProcess web.1 -Formation gfp
        $p.Formation | Should -Be 'gfp'
        $p.Type | Should -Be 'web'
        $p.Index | Should -Be 1
        $p.Port | Should -Be 5000
        $p.Id | Should -Be $p.ProcessId
        $p.State | Should -Be 'Running'
        $p.Uptime | Should -BeOfType [timespan]
        $p.Command | Should -Be 'exec sleep 100'
    }

    It 'keeps a crash record: exit code and the last output lines' {
        $crash = Get-FormationProcess crash.1 -Formation gfp

        $crash.ExitCode | Should -Be 3
        $crash.ExitTime | Should -Not -BeNullOrEmpty
        Get-FormationProcess -State Crashed -Formation gfp | Select-Object -ExpandProperty LastOutput | Should -Be 'about to crash'
    }

    It 'writes FormationProcessNotFound for an unknown name' {
        { Get-FormationProcess web.9 -Formation gfp -ErrorAction Stop } |
            Should -Throw -ErrorId 'FormationProcessNotFound,Formation.PowerShell.Commands.GetFormationProcessCommand'
    }
}

Describe 'Restart-FormationProcess' {
    BeforeAll {
        $procfile = New-TestProcfile "web: echo `"port `$PORT`"; exec sleep 100`nworker: exec sleep 100`n"
        $script:f = Start-Formation $procfile -Name rfp -Scale @{ web = 2 }
    }

    AfterAll {
        $script:f | Remove-Formation
    }

    It 'restarts the piped processes one by one, keeping name and PORT' {
        $before = Get-FormationProcess -Type web -Formation rfp

        $after = $before | Restart-FormationProcess -PassThru

        $after.Name | Should -Be @('web.1', 'web.2')
        $after.Port | Should -Be @(5000, 5001)
        $after.State | Should -Be @('Running', 'Running')
        $after.Restarts | Should -Be @(1, 1)
        $after[0].ProcessId | Should -Not -Be $before[0].ProcessId
        Test-ProcessAlive $before[0].ProcessId | Should -BeFalse
    }

    It 'binds Name and Formation by property name' {
        $after = [pscustomobject]@{ Name = 'worker.1'; Formation = 'rfp' } | Restart-FormationProcess -PassThru

        $after.Restarts | Should -Be 1
    }

    It 'does nothing with -WhatIf' {
        $before = Get-FormationProcess worker.1 -Formation rfp

        Restart-FormationProcess worker.1 -Formation rfp -WhatIf

        (Get-FormationProcess worker.1 -Formation rfp).ProcessId | Should -Be $before.ProcessId
    }
}

Describe 'Restart-FormationProcess with readiness' {
    It 'returns each process only once its replacement is ready: a zero-downtime rolling restart' {
        $procfile = New-TestProcfile "web: sleep 0.2; echo up; exec sleep 100`n" -Files @{ 'formation.yml' = "processes:`n  web: { count: 2, ready: { output: '^up$' } }`n" }
        $f = Start-Formation $procfile -Name rolling -WaitReady

        $after = Get-FormationProcess -Formation rolling | Restart-FormationProcess -PassThru

        $after.State | Should -Be @('Ready', 'Ready')
        $f | Remove-Formation
    }
}

Describe 'Stop-FormationProcess' {
    It 'stops the process group and does not restart it' {
        $procfile = New-TestProcfile "web: exec sleep 100`nworker: exec sleep 100`n"
        $f = Start-Formation $procfile -Name sfp
        $id = (Get-FormationProcess web.1 -Formation sfp).ProcessId

        $stopped = Stop-FormationProcess web.1 -Formation sfp -PassThru

        $stopped.State | Should -Be 'Stopped'
        Test-ProcessAlive $id | Should -BeFalse
        $f.State | Should -Be 'Running'
        $f | Remove-Formation
    }
}

Describe 'Start-FormationProcess' {
    It 'starts a stopped process again with the same PORT' {
        $procfile = New-TestProcfile "web: exec sleep 100`nworker: exec sleep 100`n"
        $f = Start-Formation $procfile -Name stfp
        Stop-FormationProcess web.1 -Formation stfp

        $started = Get-FormationProcess web.1 -Formation stfp | Start-FormationProcess -PassThru

        $started.State | Should -Be 'Running'
        $started.Port | Should -Be 5000
        $started.Restarts | Should -Be 1
        $f | Remove-Formation
    }
}

Describe 'CPU and Memory of the processes' {
    BeforeAll {
        # A private control directory for what this block starts (Common.ps1 gives the file one once every file has it).
        $script:callerRuntimeDir = $env:XDG_RUNTIME_DIR
        $env:XDG_RUNTIME_DIR = [IO.Directory]::CreateTempSubdirectory('formation-pester-').FullName
        # big keeps 40 MB in a shell variable (the shell and its sleep are its group); small is one sleep.
        $procfile = New-TestProcfile "big: x=`$(head -c 40000000 /dev/zero | tr '\0' a); echo big; sleep 1000`nsmall: exec sleep 1000`n"
        $script:f = Start-Formation $procfile -Name usage
        Wait-FormationLine $script:f big.1 'big'
    }

    AfterAll {
        $script:f | Remove-Formation
        $env:XDG_RUNTIME_DIR = $script:callerRuntimeDir
    }

    It 'sorts by Memory, the largest group first' {
        (Get-FormationProcess -Formation usage | Sort-Object Memory -Descending).Name | Should -Be @('big.1', 'small.1')
    }

    It 'is the resident memory and CPU time of the whole process group, as /proc gives them' {
        $group = (Get-FormationProcess big.1 -Formation usage).ProcessId
        $members = { Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$' | Where-Object {
                $stat = Get-Content -Raw -LiteralPath "$($_.FullName)/stat" -ErrorAction SilentlyContinue
                $stat -and ($stat.Substring($stat.LastIndexOf(')') + 2) -split ' ')[2] -eq "$group" } }
        $rss = { (& $members | ForEach-Object { [long]((Get-Content "$($_.FullName)/status" | Where-Object { $_ -like 'VmRSS:*' }) -split '\s+')[1] * 1KB } | Measure-Object -Sum).Sum }

        $before = & $rss
        $big = Get-FormationProcess big.1 -Formation usage
        $after = & $rss

        @(& $members).Count | Should -Be 2
        $big.Memory | Should -BeGreaterThan 40MB
        $big.Memory | Should -BeGreaterOrEqual ([math]::Min($before, $after) * 0.95)
        $big.Memory | Should -BeLessOrEqual ([math]::Max($before, $after) * 1.05)
        $big.CPU | Should -BeOfType [double]
        $big.CPU | Should -BeGreaterThan 0
    }

    It 'sums them on the formation, and has none for a process that does not run' {
        $processes = Get-FormationProcess -Formation usage
        $script:f.Memory | Should -BeGreaterOrEqual $processes[0].Memory
        $script:f.CPU | Should -BeGreaterThan 0

        Stop-FormationProcess small.1 -Formation usage
        $small = Get-FormationProcess small.1 -Formation usage
        $small.Memory | Should -BeNullOrEmpty
        $small.CPU | Should -BeNullOrEmpty
    }

    It 'shows them in the default table as CPU(s) and Memory(M)' {
        Get-FormationProcess -Formation usage | Format-Table | Out-String -Width 160 | Should -Match 'CPU\(s\)\s+Memory\(M\)'
    }
}
