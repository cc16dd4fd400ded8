BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
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
        (Get-FormationLog log err.1 | Where-Object Stream -EQ StdErr).Line | Should -Be 'oops'
        Get-FormationLog log web.1 | Where-Object Stream -EQ StdErr | Should -BeNullOrEmpty
    }

    It 'returns the last lines with -Tail' {
        (Get-FormationLog log -Name web.1 -Tail 3).Line | Should -Be @('28', '29', '30')
    }

    It 'selects by type and includes the system lines by name' {
        (Get-FormationLog log -Type worker).Process | Select-Object -Unique | Should -Be 'worker.1'
        (Get-FormationLog log -Name system).Line | Should -Contain "web.1 started with pid $((Get-FormationProcess web.1 -Formation log).ProcessId) (PORT=5000)"
    }

    It 'follows with -Wait until the formation ends' {
        $procfile = New-TestProcfile "job: echo first; sleep 0.3; echo second`n"
        $job = Start-Formation $procfile -Name log-follow -RestartPolicy Never

        $lines = Get-FormationLog $job -Name job.1 -Wait

        $lines.Line | Should -Be @('first', 'second')
        $job | Remove-Formation
    }
}
