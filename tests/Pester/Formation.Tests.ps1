BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Get-Formation -Local | Remove-Formation -Confirm:$false
    Exit-PrivateControlDirectory
}

Describe 'Start-Formation' {
    AfterEach {
        Get-Formation -Local | Remove-Formation -Confirm:$false
    }

    It 'returns a running formation at once, with one process per instance' {
        $procfile = New-TestProcfile "web: exec sleep 100`nworker: exec sleep 100`n"

        $f = Start-Formation $procfile -Name start-basic -Scale @{ worker = 2 }

        $f.Name | Should -Be 'start-basic'
        $f.State | Should -Be 'Running'
        $f.BasePort | Should -Be 5000
        $f.Processes.Name | Should -Be @('web.1', 'worker.1', 'worker.2')
        $f.Processes.Port | Should -Be @(5000, 5100, 5101)
        $f.Scale['worker'] | Should -Be 2
    }

    It 'takes the scale as a string and runs only the named types' {
        $procfile = New-TestProcfile "web: exec sleep 100`nworker: exec sleep 100`nclock: exec sleep 100`n"

        $f = Start-Formation $procfile -Name start-types -Type worker, clock -Scale 'clock=2'

        $f.Processes.Name | Should -Be @('worker.1', 'clock.1', 'clock.2')
    }

    It 'names the formation after the Procfile directory by default' {
        $procfile = New-TestProcfile "web: exec sleep 100`n"

        $f = Start-Formation $procfile

        $f.Name | Should -Be (Split-Path (Split-Path $procfile) -Leaf)
    }

    It 'resolves .\Procfile against the current location' {
        $procfile = New-TestProcfile "web: exec sleep 100`n"
        Push-Location (Split-Path $procfile)
        try {
            $f = Start-Formation .\Procfile -Name start-relative
        }
        finally {
            Pop-Location
        }

        $f.Procfile | Should -Be $procfile
        $f.WorkingDirectory | Should -Be (Split-Path $procfile)
    }

    It 'gives processes the environment, the .env file and their PORT' {
        $procfile = New-TestProcfile 'web: echo "$PORT $PS $FROM_FILE $EXPLICIT"; exec sleep 100' -Files @{ '.env' = "FROM_FILE=file`nEXPLICIT=file`n" }

        $f = Start-Formation $procfile -Name start-env -Port 6200 -Environment @{ EXPLICIT = 'param' }

        Wait-FormationLine $f web.1 '6200 web.1 file param'
    }

    It 'refuses a second formation with a name in use' {
        $procfile = New-TestProcfile "web: exec sleep 100`n"
        Start-Formation $procfile -Name start-dup | Out-Null

        { Start-Formation $procfile -Name start-dup -ErrorAction Stop } |
            Should -Throw -ErrorId 'FormationNameInUse,Formation.PowerShell.Commands.StartFormationCommand'
    }

    It 'writes an error with file and line for an invalid Procfile, and starts nothing' {
        $procfile = New-TestProcfile "web: exec sleep 100`nnot valid`n"

        $f = Start-Formation $procfile -Name start-bad -ErrorVariable err -ErrorAction SilentlyContinue

        $f | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'ProcfileInvalid,Formation.PowerShell.Commands.StartFormationCommand'
        $err[0].Exception.Message | Should -BeLike "*Procfile:2: Not a process type*"
        Get-Formation start-bad -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'starts nothing with -WhatIf' {
        $procfile = New-TestProcfile "web: exec sleep 100`n"

        Start-Formation $procfile -Name start-whatif -WhatIf

        Get-Formation start-whatif -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'reads formation.yml beside the Procfile, and parameters override it' {
        $procfile = New-TestProcfile "web: exec sleep 100`nworker: exec sleep 100`n" -Files @{ 'formation.yml' = "name: from-yml`nprocesses:`n  worker: { count: 3 }`n" }

        $fromFile = Start-Formation $procfile
        $fromFile.Name | Should -Be 'from-yml'
        $fromFile.Scale['worker'] | Should -Be 3
        $fromFile | Remove-Formation

        $overridden = Start-Formation $procfile -Name start-override -Scale @{ worker = 1 }
        $overridden.Scale['worker'] | Should -Be 1
    }

    It 'returns with -WaitReady only when every process is ready, in dependency order' {
        $yml = "processes:`n  release: { task: true }`n  web: { ready: { output: '^up$' }, after: [release] }`n  worker: { after: [web] }`n"
        $procfile = New-TestProcfile "release: echo migrated`nweb: sleep 0.3; echo up; exec sleep 100`nworker: exec sleep 100`n" -Files @{ 'formation.yml' = $yml }

        $f = Start-Formation $procfile -Name start-ready -WaitReady

        (Get-FormationProcess -Formation $f).State | Should -Be @('Exited', 'Ready', 'Running')
        (Get-FormationProcess -Formation $f).IsReady | Should -Be @($true, $true, $true)
    }

    It 'writes FormationTaskFailed with the last output lines when a task fails, and the formation Failed' {
        $yml = "processes:`n  release: { task: true }`n  web: { after: [release] }`n"
        $procfile = New-TestProcfile "release: echo 'no such table' >&2; exit 6`nweb: exec sleep 100`n" -Files @{ 'formation.yml' = $yml }

        $f = Start-Formation $procfile -Name start-task-fails -WaitReady -ErrorVariable err -ErrorAction SilentlyContinue

        $err[0].FullyQualifiedErrorId | Should -Be 'FormationTaskFailed,Formation.PowerShell.Commands.StartFormationCommand'
        $err[0].Exception.Message | Should -BeLike '*task release.1 exited with code 6.*no such table*'
        $f | Wait-Formation -Timeout 30 -ErrorVariable waitErr -ErrorAction SilentlyContinue | Out-Null
        $waitErr[0].FullyQualifiedErrorId | Should -Be 'FormationTaskFailed,Formation.PowerShell.Commands.WaitFormationCommand'
        $f.State | Should -Be 'Failed'
        $f.ExitCode | Should -Be 6
        (Get-FormationProcess -Formation $f -Name web.1).State | Should -Be 'NotStarted'
    }

    It 'refuses a PORT that another process listens on, naming it, unless -Force' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $port = $listener.LocalEndpoint.Port
            # web uses its PORT (the command names it), so its port is checked; worker never listens.
            $procfile = New-TestProcfile "web: echo `$PORT; exec sleep 100`nworker: exec sleep 100`n"

            Start-Formation $procfile -Name start-port -Port $port -ErrorVariable err -ErrorAction SilentlyContinue

            $err[0].FullyQualifiedErrorId | Should -Be 'FormationPortInUse,Formation.PowerShell.Commands.StartFormationCommand'
            $err[0].ToString() | Should -BeLike "port $port for web.1 is in use by * (pid $PID)*-Port*-Force*"
            Get-Formation start-port -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            (Start-Formation $procfile -Name start-port -Port $port -Force).State | Should -Be 'Running'
        }
        finally {
            $listener.Stop()
        }
    }

    It 'starts a type that does not use its PORT even when that port is busy' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $port = $listener.LocalEndpoint.Port
            $procfile = New-TestProcfile "worker: exec sleep 100`n"

            $f = Start-Formation $procfile -Name start-port-unused -Port $port

            $f.State | Should -Be 'Running'
            (Test-Procfile $procfile).PortChecked | Should -BeFalse
        }
        finally {
            $listener.Stop()
        }
    }

    It 'runs in the foreground with -Wait until every process has ended' {
        $procfile = New-TestProcfile "job: echo done`n"

        $f = Start-Formation $procfile -Name start-wait -RestartPolicy Never -Wait

        $f.State | Should -Be 'Completed'
        (Get-FormationProcess -Formation $f).State | Should -Be 'Exited'
    }
}

Describe 'Get-Formation' {
    BeforeAll {
        $procfile = New-TestProcfile "web: exec sleep 100`n"
        Start-Formation $procfile -Name get-one | Out-Null
        Start-Formation $procfile -Name get-two | Out-Null
    }

    AfterAll {
        Remove-Formation get-* -Confirm:$false
    }

    It 'gets formations by name with wildcards' {
        (Get-Formation get-*).Name | Sort-Object | Should -Be @('get-one', 'get-two')
        (Get-Formation get-one).Name | Should -Be 'get-one'
    }

    It 'writes FormationNotFound for an unknown name' {
        { Get-Formation no-such-formation -ErrorAction Stop } |
            Should -Throw -ErrorId 'FormationNotFound,Formation.PowerShell.Commands.GetFormationCommand'
    }
}

Describe 'Stop-Formation' {
    It 'stops every process group and keeps the formation as Stopped' {
        $procfile = New-TestProcfile "web: exec sleep 100`ntree: sh -c 'sleep 100 & sleep 100 & wait'`n"
        $f = Start-Formation $procfile -Name stop-tree
        $ids = $f.Processes.ProcessId

        $stopped = $f | Stop-Formation -PassThru

        $stopped.State | Should -Be 'Stopped'
        $f.Processes.State | Should -Be @('Stopped', 'Stopped')
        $ids | ForEach-Object { Test-ProcessAlive $_ | Should -BeFalse }
        Remove-Formation stop-tree
    }

    It 'leaves the formation running with -WhatIf' {
        $procfile = New-TestProcfile "web: exec sleep 100`n"
        $f = Start-Formation $procfile -Name stop-whatif

        $f | Stop-Formation -WhatIf

        $f.State | Should -Be 'Running'
        Remove-Formation stop-whatif
    }
}

Describe 'Remove-Formation' {
    It 'stops the formation and forgets it' {
        $procfile = New-TestProcfile "web: exec sleep 100`n"
        $f = Start-Formation $procfile -Name remove-me
        $id = $f.Processes[0].ProcessId

        Remove-Formation remove-me

        Get-Formation remove-me -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Test-ProcessAlive $id | Should -BeFalse
    }

    It 'returns only once nothing of it is left: a finished task, a process tree and a daemon that left its group' {
        $token = "pester-remove-$([guid]::NewGuid().ToString('N'))"
        $procfile = New-TestProcfile "setup: echo set up`ntree: sh -c 'sleep 100 & exec sleep 100'`ndaemon: sh -c 'setsid sleep 100 & exec sleep 100'`n" -Files @{
            'formation.yml' = "processes:`n  setup: { task: true }`n  tree: { after: [setup] }`n"
        }
        $f = Start-Formation $procfile -Name remove-all -Environment @{ FORMATION_TEST_TOKEN = $token } -WaitReady
        $f.Processes.Where({ $_.Name -eq 'setup.1' }).ProcessId | Should -BeNullOrEmpty -Because 'a finished task has no ProcessId'
        Wait-Until -Because 'the daemon and the tree to run' -Condition { @(Find-TokenProcess $token).Count -ge 4 }

        $removed = $f | Remove-Formation -PassThru -WarningVariable warnings -ErrorVariable errors

        @(Find-TokenProcess $token) | Should -BeNullOrEmpty -Because 'Remove-Formation returns once every process is gone'
        $removed.State | Should -Be 'Stopped'
        $warnings | Should -BeNullOrEmpty
        $errors | Should -BeNullOrEmpty
        Get-Formation -Local | Where-Object Name -EQ remove-all | Should -BeNullOrEmpty
    }

    It 'kills a process of the formation that outlived its stop, and says so' {
        $procfile = New-TestProcfile "web: exec sleep 100`n"
        $f = Start-Formation $procfile -Name remove-outlived -WaitReady
        $marker = (Get-FormationEnvironment web.1 -Formation $f | Where-Object Name -EQ FORMATION_ID).Value
        $f | Stop-Formation
        # A process with the formation's FORMATION_ID that its stop never saw (it started after).
        $start = [System.Diagnostics.ProcessStartInfo]::new('sleep', '100')
        $start.Environment['FORMATION_ID'] = $marker
        $outlived = [System.Diagnostics.Process]::Start($start)

        $f | Remove-Formation -WarningVariable warnings -ErrorVariable errors 3>$null

        $outlived.WaitForExit(5000) | Should -BeTrue
        $warnings | Should -HaveCount 1
        "$warnings" | Should -BeLike "*outlived its stop and were killed: pid $($outlived.Id) (sleep)*"
        $errors | Should -BeNullOrEmpty
    }
}

Describe 'Wait-Formation' {
    It 'waits with -Ready until every process is ready' {
        $procfile = New-TestProcfile "web: sleep 0.3; echo ready-now; exec sleep 100`n" -Files @{ 'formation.yml' = "processes:`n  web: { ready: { output: ready-now } }`n" }
        $f = Start-Formation $procfile -Name wait-ready

        $ready = $f | Wait-Formation -Ready -Timeout 30

        $ready.Name | Should -Be 'wait-ready'
        (Get-FormationProcess web.1 -Formation $f).State | Should -Be 'Ready'
        Remove-Formation wait-ready
    }

    It 'returns the formation once every process has ended' {
        $procfile = New-TestProcfile "a: echo one`nb: echo two`n"
        $f = Start-Formation $procfile -Name wait-end -RestartPolicy Never

        $ended = $f | Wait-Formation -Timeout 30

        $ended.State | Should -Be 'Completed'
        Remove-Formation wait-end
    }

    It 'writes FormationWaitTimeout when the timeout passes first' {
        $procfile = New-TestProcfile "web: exec sleep 100`n"
        $f = Start-Formation $procfile -Name wait-timeout

        $result = $f | Wait-Formation -Timeout 0.2 -ErrorVariable err -ErrorAction SilentlyContinue

        $result | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'FormationWaitTimeout,Formation.PowerShell.Commands.WaitFormationCommand'
        Remove-Formation wait-timeout
    }
}

Describe 'The CI story' {
    BeforeAll {
        # The same small web server as the README's CI example (examples/ci).
        $server = Get-Content -Raw (Join-Path $PSScriptRoot '..' '..' 'examples' 'ci' 'web.ps1')
        # This pwsh may be a dotnet tool: (Get-Process -Id $PID).Path is then dotnet, not pwsh.
        $command = Get-PwshCommand
        $pwsh = ($command | ForEach-Object { "'$_'" }) -join ' '
        $procfile = New-TestProcfile "web: $pwsh -NoProfile -NonInteractive -File ./web.ps1`n" -Files @{
            'web.ps1'       = $server
            'formation.yml' = "processes:`n  web: { ready: { tcp: true }, ready_timeout: 60s }`n"
        }
        # Readiness instead of guessing with Start-Sleep: the command returns once web.1 accepts connections.
        $script:ci = Start-Formation $procfile -Name ci -Port 6100 -WaitReady -ErrorAction Stop
    }

    It 'calls the web process on its PORT' {
        (Invoke-WebRequest -Uri 'http://127.0.0.1:6100/' -TimeoutSec 10).Content | Should -Be 'hello from web.1'
    }

    AfterAll {
        $ids = $script:ci.Processes.ProcessId
        $script:ci | Remove-Formation
        $ids | ForEach-Object { Test-ProcessAlive $_ | Should -BeFalse }
        Get-Formation ci -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Get-Formation and Start-Formation, as a new user meets them' {
    BeforeAll {
        # A private control directory for what this block starts (Common.ps1 gives the file one once every file has it).
        $script:callerRuntimeDir = $env:XDG_RUNTIME_DIR
        $env:XDG_RUNTIME_DIR = [IO.Directory]::CreateTempSubdirectory('formation-pester-').FullName
    }

    AfterAll {
        Get-Formation -Local | Remove-Formation -Confirm:$false
        $env:XDG_RUNTIME_DIR = $script:callerRuntimeDir
    }

    It 'shows Owner and the whole Scale in its default table at 120 columns' {
        $procfile = New-TestProcfile "release: exit 0`nweb: exec sleep 100`nworker: exec sleep 100`nclock: exec sleep 100`n"
        Start-Formation $procfile -Name table-wide -Scale @{ worker = 2 } -Port 17300 | Out-Null

        $table = Get-Formation table-wide | Format-Table | Out-String -Width 120

        $table | Should -Match '(?m)^Name\s+State\s+Owner\s'
        $table | Should -Match 'table-wide\s+Running\s+Local\s'
        $table | Should -BeLike '*release=1,web=1,worker=2,clock=1*'
    }

    It 'writes one error per problem in the Procfile, as Test-Procfile does, and starts nothing' {
        $procfile = New-TestProcfile "web: exec sleep 100`nnot a process line`nworker: exec sleep 100`nnor this one`n"

        $f = Start-Formation $procfile -Name two-problems -ErrorVariable problems -ErrorAction SilentlyContinue

        $f | Should -BeNullOrEmpty
        $problems.Count | Should -Be 2
        $problems.FullyQualifiedErrorId | Should -Be @('ProcfileInvalid,Formation.PowerShell.Commands.StartFormationCommand', 'ProcfileInvalid,Formation.PowerShell.Commands.StartFormationCommand')
        $problems[0].ErrorDetails.Message | Should -Match '(?s)Procfile:2: .*not a process line'
        $problems[1].ErrorDetails.Message | Should -Match '(?s)Procfile:4: .*nor this one'
        (Test-Procfile $procfile -ErrorAction SilentlyContinue -ErrorVariable tested) | Out-Null
        $tested.Count | Should -Be $problems.Count
        Get-Formation two-problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'writes one error per unknown type to Set-FormationScale' {
        Start-Formation (New-TestProcfile "web: exec sleep 100`n") -Name scale-problems | Out-Null

        Set-FormationScale -Formation scale-problems -Scale 'api=1,jobs=2' -ErrorVariable problems -ErrorAction SilentlyContinue

        $problems.Count | Should -Be 2
        $problems.FullyQualifiedErrorId | ForEach-Object { $_ | Should -BeLike 'FormationTypeUnknown,*' }
        $problems[0].Exception.Message | Should -BeLike "*'api'*"
        $problems[1].Exception.Message | Should -BeLike "*'jobs'*"
    }
}
