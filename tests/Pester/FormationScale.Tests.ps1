BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Exit-PrivateControlDirectory
}

Describe 'Set-FormationScale' {
    BeforeEach {
        $procfile = New-TestProcfile "web: exec sleep 100`nworker: exec sleep 100`n"
        $script:f = Start-Formation $procfile -Name scale
    }

    AfterEach {
        $script:f | Remove-Formation
    }

    It 'scales a type up with the next indexes and ports' {
        $added = $script:f | Set-FormationScale -Type worker -Count 3 -PassThru

        $added.Name | Should -Be @('worker.2', 'worker.3')
        $added.Port | Should -Be @(5101, 5102)
        (Get-FormationProcess -Type worker -Formation scale).State | Should -Be @('Running', 'Running', 'Running')
    }

    It 'scales down from the highest index and stops those processes' {
        Set-FormationScale scale -Type worker -Count 3
        $ids = (Get-FormationProcess worker.2, worker.3 -Formation scale).ProcessId

        $removed = Set-FormationScale scale -Type worker -Count 1 -PassThru

        $removed.Name | Should -Be @('worker.3', 'worker.2')
        $ids | ForEach-Object { Test-ProcessAlive $_ | Should -BeFalse }
        (Get-FormationProcess -Formation scale).Name | Should -Be @('web.1', 'worker.1')
    }

    It 'takes several types at once, and uses the only formation when none is named' {
        Set-FormationScale -Scale @{ web = 2; worker = 0 }

        (Get-FormationProcess -Formation scale).Name | Should -Be @('web.1', 'web.2')
    }

    It 'writes an error for an unknown type' {
        { Set-FormationScale scale -Type wrker -Count 2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'FormationScaleFailed,Formation.PowerShell.Commands.SetFormationScaleCommand'
    }

    It 'changes nothing with -WhatIf' {
        Set-FormationScale scale -Type worker -Count 5 -WhatIf

        (Get-FormationProcess -Type worker -Formation scale).Count | Should -Be 1
    }
}
