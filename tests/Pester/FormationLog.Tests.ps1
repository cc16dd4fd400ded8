BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Exit-PrivateControlDirectory
}

Describe 'Get-FormationLog' {
    BeforeAll {
        $procfile = New-TestProcfile "web: seq 1 30; exec sleep 100`nerr: echo oops >&2; exec sleep 100`nworker: echo working; exec sleep 100`n"
        $script:f = Start-Formation $procfile -Name log -LogBufferSize 100
        Wait-FormationLine $script:f web.1 '30'
        Wait-FormationLine $script:f err.1 'oops'
        Wait-FormationLine $script:f worker.1 'working'
    }

    AfterAll {
        $script:f | Remove-Formation
    }

    It 'writes records with timestamp, formation, process, type, stream and line' {
        $line = Get-FormationLog -Formation log -Name worker.1 | Where-Object Line -EQ 'working'

        $line.Formation | Should -Be 'log'
        $line.Process | Should -Be 'worker.1'
        $line.Type | Should -Be 'worker'
        $line.Stream | Should -Be 'StdOut'
        $line.Timestamp | Should -BeOfType [datetimeoffset]
    }

    It 'keeps stderr apart' {
        (Get-FormationLog err.1 -Formation log | Where-Object Stream -EQ StdErr).Line | Should -Be 'oops'
        Get-FormationLog web.1 -Formation log | Where-Object Stream -EQ StdErr | Should -BeNullOrEmpty
    }

    It 'returns the last lines with -Tail' {
        (Get-FormationLog web.1 -Formation log -Tail 3).Line | Should -Be @('28', '29', '30')
    }

    It 'selects by type and includes the system lines by name' {
        (Get-FormationLog -Formation log -Type worker).Process | Select-Object -Unique | Should -Be 'worker.1'
        (Get-FormationLog system -Formation log).Line | Should -Contain "web.1 started with pid $((Get-FormationProcess web.1 -Formation log).ProcessId) (PORT=5000)"
    }

    It 'follows with -Wait until the formation ends' {
        $procfile = New-TestProcfile "job: echo first; sleep 0.3; echo second`n"
        $job = Start-Formation $procfile -Name log-follow -RestartPolicy Never

        $lines = Get-FormationLog job.1 -Formation $job -Wait

        $lines.Line | Should -Be @('first', 'second')
        $job | Remove-Formation
    }

    It 'follows every formation piped to it with -Wait, padded and coloured per instance, until they end' {
        $a = Start-Formation (New-TestProcfile "a: echo from-a; exec sleep 100`n") -Name log-pipe-a
        $b = Start-Formation (New-TestProcfile "longer_name: echo from-b; exec sleep 100`n") -Name log-pipe-b
        Wait-FormationLine $a a.1 'from-a'
        Wait-FormationLine $b longer_name.1 'from-b'
        $follow = Start-ThreadJob -ArgumentList $modulePath {
            param($module)
            Import-Module (Join-Path $module 'Formation.psd1')
            Get-Formation log-pipe-a, log-pipe-b | Get-FormationLog -Wait | Where-Object Line -Like 'from-*'
        }
        Wait-Until -Because 'the follow to start' -Condition { $follow.State -eq 'Running' }

        $a, $b | Stop-Formation

        $follow | Wait-Job -Timeout 15 | Should -Not -BeNullOrEmpty -Because 'the follow ends with its formations'
        $records = $follow | Receive-Job
        ($records.Line | Sort-Object) | Should -Be @('from-a', 'from-b')
        ($records | Where-Object Line -EQ 'from-a').Prefix | Should -Be 'a.1'.PadRight('longer_name.1'.Length)
        ($records.Color | Select-Object -Unique).Count | Should -Be 2
        $a, $b | Remove-Formation -Confirm:$false
    }
}

Describe 'Get-FormationLog takes names as the other cmdlets do' {
    BeforeAll {
        # A private control directory for what this block starts (Common.ps1 gives the file one once every file has it).
        $script:callerRuntimeDir = $env:XDG_RUNTIME_DIR
        $env:XDG_RUNTIME_DIR = [IO.Directory]::CreateTempSubdirectory('formation-pester-').FullName
        $script:f = Start-Formation (New-TestProcfile "web: echo serving; exec sleep 100`n") -Name log-names
        Wait-FormationLine $script:f web.1 'serving'
    }

    AfterAll {
        $script:f | Remove-Formation
        $env:XDG_RUNTIME_DIR = $script:callerRuntimeDir
    }

    It 'takes the process name first, as Get-FormationProcess and Get-FormationEnvironment do' {
        (Get-FormationLog web.1 -Formation log-names).Line | Should -Be 'serving'
        (Get-FormationLog web.1).Line | Should -Contain 'serving'
        Get-FormationProcess web.1 -Formation log-names | Should -Not -BeNullOrEmpty
    }

    It 'says to use -Formation when a formation is named where the process name goes' {
        $lines = Get-FormationLog log-names -ErrorVariable problems -ErrorAction SilentlyContinue

        $lines | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'FormationProcessNotFound,*'
        $problems[0].ErrorDetails.Message | Should -BeLike "*'log-names' is a formation: use Get-FormationLog -Formation log-names*"
    }
}
