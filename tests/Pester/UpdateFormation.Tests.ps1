BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # A private control directory for this file (Common.ps1 gives every file one once every file has it).
    $script:callerRuntimeDir = $env:XDG_RUNTIME_DIR
    $env:XDG_RUNTIME_DIR = [IO.Directory]::CreateTempSubdirectory('formation-pester-').FullName

    function Get-Pid([string] $Formation, [string[]] $Name) {
        foreach ($n in $Name) { (Get-FormationProcess $n -Formation $Formation).ProcessId }
    }
}

AfterAll {
    Get-Formation -Local | Remove-Formation -Confirm:$false
    $env:XDG_RUNTIME_DIR = $script:callerRuntimeDir
}

Describe 'Update-Formation' {
    AfterEach {
        Get-Formation -Local | Remove-Formation -Confirm:$false
    }

    It 'starts an added type, stops a removed one, restarts a changed one and keeps the PIDs of the others' {
        $procfile = New-TestProcfile "web: exec sleep 100`nworker: exec sleep 100`nold: exec sleep 100`n"
        $f = Start-Formation $procfile -Name update-kinds
        $before = Get-Pid update-kinds web.1, worker.1
        Set-Content -LiteralPath $procfile -Value "web: exec sleep 101`nworker: exec sleep 100`nclock: exec sleep 100`n" -NoNewline

        $f | Update-Formation

        $after = Get-Pid update-kinds web.1, worker.1
        $after[0] | Should -Not -Be $before[0]
        $after[1] | Should -Be $before[1]
        (Get-FormationProcess web.1 -Formation update-kinds).Command | Should -Be 'exec sleep 101'
        (Get-FormationProcess -Formation update-kinds).Name | Should -Be @('web.1', 'worker.1', 'clock.1')
        (Get-FormationProcess clock.1 -Formation update-kinds).State | Should -Be 'Running'
        $f.Scale.Keys | Should -Be @('web', 'worker', 'clock')
    }

    It 'writes nothing, or the formation with -PassThru, and binds formations by name and from the pipeline' {
        $procfile = New-TestProcfile "web: exec sleep 100`n"
        $f = Start-Formation $procfile -Name update-passthru

        Update-Formation update-passthru | Should -BeNullOrEmpty
        ($f | Update-Formation -PassThru).Name | Should -Be 'update-passthru'
        (Update-Formation -Name update-pass* -PassThru).Name | Should -Be 'update-passthru'
    }

    It 'keeps a count set at run time, unless the files change that type''s count' {
        $procfile = New-TestProcfile "web: exec sleep 100`n" -Files @{ 'formation.yml' = "processes:`n  web: { count: 1 }`n" }
        $f = Start-Formation $procfile -Name update-scale
        Set-FormationScale -Formation $f -Type web -Count 3

        $f | Update-Formation
        $kept = $f.Scale['web']
        Set-Content -LiteralPath (Join-Path (Split-Path $procfile) 'formation.yml') -Value "processes:`n  web: { count: 2 }`n"
        $f | Update-Formation

        $kept | Should -Be 3
        $f.Scale['web'] | Should -Be 2
    }

    It 'writes one error per problem, with file and line, and changes nothing' {
        $procfile = New-TestProcfile "web: exec sleep 100`n"
        $f = Start-Formation $procfile -Name update-invalid
        $before = Get-Pid update-invalid web.1
        Set-Content -LiteralPath $procfile -Value "web: exec sleep 101`nbad line`nworse line`n" -NoNewline

        $f | Update-Formation -ErrorVariable problems -ErrorAction SilentlyContinue

        $problems.Count | Should -Be 2
        $problems.FullyQualifiedErrorId | ForEach-Object { $_ | Should -Be 'ProcfileInvalid,Formation.PowerShell.Commands.UpdateFormationCommand' }
        $problems[0].ErrorDetails.Message | Should -Match '(?s)Procfile:2: .*bad line'
        $problems[1].ErrorDetails.Message | Should -Match '(?s)Procfile:3: .*worse line'
        Get-Pid update-invalid web.1 | Should -Be $before
        (Get-FormationProcess web.1 -Formation update-invalid).Command | Should -Be 'exec sleep 100'
    }

    It 'shows the plan with -WhatIf, one line per type, and changes nothing' {
        $procfile = New-TestProcfile "web: exec sleep 100`nworker: exec sleep 100`n"
        $script = @"
Import-Module '$(Join-Path $modulePath 'Formation.psd1')'
`$f = Start-Formation '$procfile' -Name update-whatif
`$before = (Get-FormationProcess web.1 -Formation update-whatif).ProcessId
Set-Content -LiteralPath '$procfile' -Value "web: exec sleep 101``nworker: exec sleep 100``nclock: exec sleep 100``n" -NoNewline
`$f | Update-Formation -WhatIf
"pid kept: `$(`$before -eq (Get-FormationProcess web.1 -Formation update-whatif).ProcessId)"
"processes: `$((Get-FormationProcess -Formation update-whatif).Name -join ',')"
`$f | Remove-Formation
"@

        $lines = Invoke-ChildPwsh -Script $script -Timeout ([timespan]::FromSeconds(60))

        $lines | Should -Contain "What if: Reloading formation 'update-whatif' from $procfile`:"
        $lines | Where-Object { $_ -match '^\s+web\s+restart\s+1\s+command$' } | Should -Not -BeNullOrEmpty
        $lines | Where-Object { $_ -match '^\s+worker\s+keep\s+1\s+unchanged$' } | Should -Not -BeNullOrEmpty
        $lines | Where-Object { $_ -match '^\s+clock\s+start\s+0 -> 1\s+new in the Procfile$' } | Should -Not -BeNullOrEmpty
        $lines | Should -Contain 'pid kept: True'
        $lines | Should -Contain 'processes: web.1,worker.1'
    }
}
