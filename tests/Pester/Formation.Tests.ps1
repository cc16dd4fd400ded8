BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Get-Formation | Remove-Formation -Confirm:$false
}

Describe 'Start-Formation' {
    AfterEach {
        Get-Formation | Remove-Formation -Confirm:$false
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
        $err[0].FullyQualifiedErrorId | Should -Be 'FormationConfigInvalid,Formation.PowerShell.Commands.StartFormationCommand'
        $err[0].Exception.Message | Should -BeLike "*Procfile:2: Not a process type*"
        Get-Formation start-bad -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'starts nothing with -WhatIf' {
        $procfile = New-TestProcfile "web: exec sleep 100`n"

        Start-Formation $procfile -Name start-whatif -WhatIf

        Get-Formation start-whatif -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
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
}

Describe 'Wait-Formation' {
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
        $server = @'
$listener = [System.Net.HttpListener]::new()
$listener.Prefixes.Add("http://127.0.0.1:$env:PORT/")
$listener.Start()
Write-Host "listening on $env:PORT"
while ($true) {
    $context = $listener.GetContext()
    $body = [System.Text.Encoding]::UTF8.GetBytes("hello from $env:FORMATION_PROCESS")
    $context.Response.OutputStream.Write($body, 0, $body.Length)
    $context.Response.Close()
}
'@
        $pwsh = (Get-Process -Id $PID).Path
        $procfile = New-TestProcfile "web: '$pwsh' -NoProfile -NonInteractive -File ./web.ps1`n" -Files @{ 'web.ps1' = $server }
        $script:ci = Start-Formation $procfile -Name ci -Port 6100
        Wait-FormationLine $script:ci web.1 'listening on 6100'
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
