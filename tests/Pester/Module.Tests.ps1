BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:manifestPath = Join-Path $modulePath 'Formation.psd1'

    function Find-OtherYamlDotNet {
        <# A YamlDotNet other than the module's (restored by tests/Pester's tools project), for the conflict tests. #>
        $root = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget' 'packages' }
        Get-ChildItem (Join-Path $root 'yamldotnet') -Directory | Where-Object Name -NE '16.3.0' |
            ForEach-Object { Join-Path $_.FullName 'lib' 'netstandard2.0' 'YamlDotNet.dll' } | Where-Object { Test-Path $_ } | Select-Object -First 1
    }
}

AfterAll {
    Exit-PrivateControlDirectory
}

Describe 'Import-Module Formation' {
    It 'imports by path in a fresh pwsh with no error and no warning' {
        $lines = Invoke-ChildPwsh "Import-Module '$script:manifestPath' -ErrorAction Stop -WarningVariable w; `$w.Count; (Get-Command -Module Formation).Count"

        $LASTEXITCODE | Should -Be 0
        $lines | Where-Object { $_ -like 'stderr:*' } | Should -BeNullOrEmpty
        $lines[0] | Should -Be '0'
        [int]$lines[1] | Should -Be (Import-PowerShellDataFile $script:manifestPath).CmdletsToExport.Count
    }

    It 'imports by name from $env:PSModulePath' {
        $parent = Split-Path (Resolve-Path $modulePath).Path
        $lines = Invoke-ChildPwsh "`$env:PSModulePath = '$parent' + [IO.Path]::PathSeparator + `$env:PSModulePath; Import-Module Formation -ErrorAction Stop; (Get-Module Formation).ModuleBase"

        $lines | Where-Object { $_ -like 'stderr:*' } | Should -BeNullOrEmpty
        $lines | Should -Be (Resolve-Path $modulePath).Path.TrimEnd('/')
    }

    It 'works when another YamlDotNet was loaded into the session <When> it' -ForEach @(
        @{ When = 'before'; Script = "Add-Type -Path '{0}'; Import-Module '{1}' -ErrorAction Stop" }
        @{ When = 'after'; Script = "Import-Module '{1}' -ErrorAction Stop; Add-Type -Path '{0}'" }
    ) {
        $other = Find-OtherYamlDotNet
        $other | Should -Not -BeNullOrEmpty -Because 'tests/Pester restores a second YamlDotNet for this test'
        $yml = New-TestProcfile "web: exec sleep 100`n" -Files @{ 'formation.yml' = "processes:`n  web: { count: 2 }`n" }
        $body = ($Script -f $other, $script:manifestPath) + "; `$t = Test-Procfile '$yml'; `$t.Count; ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' } | ForEach-Object { `$_.GetName().Version.Major } | Sort-Object) -join ','"

        $lines = Invoke-ChildPwsh $body

        $lines | Where-Object { $_ -like 'stderr:*' } | Should -BeNullOrEmpty
        $lines[0] | Should -Be '2'
        $lines[1] | Should -Be '13,16'
    }

    It 'makes the module''s types usable as type literals' {
        [Formation.PowerShell.Formation].Name | Should -Be 'Formation'
        [Formation.PowerShell.FormationProcess].Name | Should -Be 'FormationProcess'
        [Formation.PowerShell.FormationLogRecord].Name | Should -Be 'FormationLogRecord'
        [Formation.PowerShell.FormationProcessState]::NotStarted | Should -Be 'NotStarted'
    }

    It 'shows processes in a table that fits 100 columns, with hh:mm:ss uptimes and no stale Id' {
        $procfile = New-TestProcfile "web: exec sleep 100`nworker: exec sleep 100`n"
        $f = Start-Formation $procfile -Name view-test -WaitReady
        try {
            Stop-FormationProcess worker.1 -Formation $f
            $text = Get-FormationProcess -Formation $f | Out-String -Width 100
            $lines = $text -split "`n" | Where-Object { $_ -match '^(web|worker)\.1' }

            $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 100 }
            $lines[0] | Should -Match '^web\.1\s+\d+\s+Running\s+\d\d:\d\d:\d\d\s'
            $lines[1] | Should -Match '^worker\.1\s+Stopped\s+\d\d:\d\d:\d\d\s+SIGTERM'
        }
        finally { $f | Remove-Formation -Confirm:$false }
    }

    It 'ends Start-Formation -WaitReady promptly on Ctrl+C and leaves nothing running' {
        $token = "ctrl-c-$([guid]::NewGuid().ToString('N'))"
        $procfile = New-TestProcfile "web: echo starting; exec sleep 100`n" -Files @{ 'formation.yml' = "processes:`n  web: { ready: { output: '^never`$' }, ready_timeout: 60s }`n" }
        $script = "Import-Module '$script:manifestPath'; Start-Formation '$procfile' -Name ctrlc -WaitReady -Environment @{ FORMATION_TEST_TOKEN = '$token' }; 'after'"
        # A child with SIGINT's default disposition (a CI job may run with SIGINT ignored), as a terminal's Ctrl+C finds it.
        $psi = [System.Diagnostics.ProcessStartInfo]::new('env')
        foreach ($a in @('--default-signal=INT') + (Get-PwshCommand) + @('-NoProfile', '-NonInteractive', '-Command', $script)) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $child = [System.Diagnostics.Process]::Start($psi)
        try {
            Wait-Until -Because 'web.1 to run' -Condition { @(Find-TokenProcess $token).Count -gt 0 }
            kill -INT $child.Id
            $child.WaitForExit(15000) | Should -BeTrue -Because 'Ctrl+C ends the wait promptly'
            Wait-Until -Because 'nothing left running' -Timeout ([timespan]::FromSeconds(10)) -Condition { @(Find-TokenProcess $token).Count -eq 0 }
        }
        finally {
            if (-not $child.HasExited) { $child.Kill($true) }
            Find-TokenProcess $token | ForEach-Object { Stop-Process -Id $_ -Force -ErrorAction SilentlyContinue }
        }
    }
}
