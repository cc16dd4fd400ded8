BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    function Start-ForeignFormation {
        <#
        A formation of the user's own, as `formation start` in another terminal runs it: the real CLI with the
        control directory this run was given (the user's, not the test file's private one). Returns once its
        process has started (its endpoint is open by then).
        #>
        param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Token)
        $procfile = New-TestProcfile "sleeper: exec sleep 300`n"
        $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in (Get-FormationCliPath), 'start', '-f', $procfile, '--name', $Name, '--no-timestamp') { $psi.ArgumentList.Add($a) }
        Set-UserRuntimeDirectory $psi
        $psi.Environment['FORMATION_TEST_TOKEN'] = $Token
        $psi.RedirectStandardOutput = $true
        $owner = [System.Diagnostics.Process]::Start($psi)
        $null = $owner.StandardOutput.ReadToEndAsync()
        Wait-Until -Because "formation '$Name' to start its process" -Condition {
            $owner.HasExited -or @(Find-TokenProcess $Token | Where-Object { (Get-Content -LiteralPath "/proc/$_/comm" -ErrorAction SilentlyContinue) -eq 'sleep' }).Count -gt 0
        }
        if ($owner.HasExited) { throw "formation start --name $Name exited with code $($owner.ExitCode)." }
        $owner
    }

    function Set-UserRuntimeDirectory([System.Diagnostics.ProcessStartInfo] $Start) {
        <# XDG_RUNTIME_DIR as this run got it (unset: the CLI's default, /tmp/formation-UID). #>
        if ($global:FormationTestOuterRuntimeDir) { $Start.Environment['XDG_RUNTIME_DIR'] = $global:FormationTestOuterRuntimeDir }
        else { $null = $Start.Environment.Remove('XDG_RUNTIME_DIR') }
    }

    function Invoke-UserCli([string[]] $Arguments) {
        <# The CLI in the user's control directory; returns its exit code. #>
        $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in @(Get-FormationCliPath) + $Arguments) { $psi.ArgumentList.Add($a) }
        Set-UserRuntimeDirectory $psi
        $psi.RedirectStandardOutput = $true
        $cli = [System.Diagnostics.Process]::Start($psi)
        $null = $cli.StandardOutput.ReadToEnd()
        if (-not $cli.WaitForExit(30000)) { $cli.Kill(); throw "formation $Arguments did not exit within 30 s." }
        $cli.ExitCode
    }

    $script:name = "foreign-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
    $script:token = "pester-foreign-$([guid]::NewGuid().ToString('N'))"
    $script:owner = Start-ForeignFormation -Name $script:name -Token $script:token
    # The one build.ps1 started in the user's directory before every suite, when it did.
    $script:names = @($script:name) + @($env:FORMATION_FOREIGN_FORMATION | Where-Object { $_ })
}

AfterAll {
    # The user's formation is stopped by whoever started it: this file, in the user's directory.
    if ($script:owner -and -not $script:owner.HasExited) {
        $null = Invoke-UserCli 'stop', '--name', $script:name
        if (-not $script:owner.WaitForExit(30000)) { $script:owner.Kill($true) }
    }
    Find-TokenProcess $script:token | ForEach-Object { Stop-Process -Id $_ -Force -ErrorAction SilentlyContinue }
    Exit-PrivateControlDirectory
}

Describe 'The suite''s control directory' {
    It 'is a fresh private directory, not the one the run was given' {
        $env:XDG_RUNTIME_DIR | Should -Not -Be $global:FormationTestOuterRuntimeDir
        (Get-Item -LiteralPath $env:XDG_RUNTIME_DIR).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
    }

    It 'neither lists nor stops a formation of the user''s own directory' {
        $before = @(Find-TokenProcess $script:token | Sort-Object)

        Get-Formation | Where-Object Name -In $script:names | Should -BeNullOrEmpty
        foreach ($n in $script:names) {
            { Get-Formation -Name $n -ErrorAction Stop } | Should -Throw -ErrorId 'FormationNotFound*'
            { Stop-Formation -Name $n -ErrorAction Stop } | Should -Throw -ErrorId 'FormationNotFound*'
            { Remove-Formation -Name $n -ErrorAction Stop } | Should -Throw -ErrorId 'FormationNotFound*'
        }

        $script:owner.HasExited | Should -BeFalse
        @(Find-TokenProcess $script:token | Sort-Object) | Should -Be $before
        $before.Count | Should -BeGreaterThan 1 -Because 'the formation runs: its owner and its process'
    }
}
