# Dot-sourced by every *.Tests.ps1 in BeforeAll: gives the file a private control directory, imports the
# built module and defines test helpers. Every file ends with AfterAll { Exit-PrivateControlDirectory }.
$modulePath = if ($env:FORMATION_MODULE) { $env:FORMATION_MODULE } else { Join-Path $PSScriptRoot '..' '..' 'out' 'Formation' }
. (Join-Path $PSScriptRoot 'Get-PwshCommand.ps1')

function Enter-PrivateControlDirectory {
    <#
    Tests never see, list or stop the user's own formations: the test file runs with XDG_RUNTIME_DIR set to a
    fresh directory of its own (mode 0700), which the child processes it starts inherit, so the endpoints of
    what it starts are there and Get-Formation lists only those. The caller's value is kept for
    Exit-PrivateControlDirectory (and for the isolation test, which starts a formation in the user's directory).
    #>
    if (-not (Test-Path variable:global:FormationTestOuterRuntimeDir)) { $global:FormationTestOuterRuntimeDir = $env:XDG_RUNTIME_DIR }
    # mkdtemp: a new directory, mode 0700, owned by this user.
    $env:XDG_RUNTIME_DIR = [IO.Directory]::CreateTempSubdirectory('formation-pester-').FullName
}

function Exit-PrivateControlDirectory {
    <# Restores the caller's XDG_RUNTIME_DIR (an interactive session running Invoke-Pester keeps its own) and removes the file's directory. #>
    $private = $env:XDG_RUNTIME_DIR
    if (Test-Path variable:global:FormationTestOuterRuntimeDir) {
        $env:XDG_RUNTIME_DIR = $global:FormationTestOuterRuntimeDir
        Remove-Variable -Name FormationTestOuterRuntimeDir -Scope Global
    }
    # A formation still running keeps its endpoint there; the temp directory's cleaner takes what is left.
    if ($private -and $private -ne $env:XDG_RUNTIME_DIR -and -not (Get-ChildItem -LiteralPath $private -Recurse -Filter *.sock -ErrorAction SilentlyContinue)) {
        Remove-Item -LiteralPath $private -Recurse -Force -ErrorAction SilentlyContinue
    }
}

Enter-PrivateControlDirectory
Import-Module (Join-Path $modulePath 'Formation.psd1') -Force -ErrorAction Stop

function New-TestProcfile {
    <# Writes a Procfile (and optional files beside it) into a fresh folder of $TestDrive; returns its path. #>
    param(
        [Parameter(Mandatory)] [string] $Text,
        [hashtable] $Files = @{}
    )
    $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $dir | Out-Null
    Set-Content -LiteralPath (Join-Path $dir 'Procfile') -Value $Text -NoNewline
    foreach ($name in $Files.Keys) { Set-Content -LiteralPath (Join-Path $dir $name) -Value $Files[$name] -NoNewline }
    Join-Path $dir 'Procfile'
}

function Test-ProcessAlive {
    <# True while the process exists and is not a zombie waiting to be reaped. #>
    param([Parameter(Mandatory)] [int] $Id)
    $stat = "/proc/$Id/stat"
    if (Test-Path -LiteralPath $stat) {
        $text = Get-Content -Raw -LiteralPath $stat -ErrorAction SilentlyContinue
        if (-not $text) { return $false }
        return $text.Substring($text.LastIndexOf(')') + 2, 1) -notin 'Z', 'X'
    }
    return $null -ne (Get-Process -Id $Id -ErrorAction SilentlyContinue)
}

function Wait-Until {
    <# Re-checks a condition until it holds; fails after the timeout. Every wait in these tests is bounded. #>
    param(
        [Parameter(Mandatory)] [scriptblock] $Condition,
        [string] $Because = 'the condition',
        [timespan] $Timeout = [timespan]::FromSeconds(30)
    )
    $deadline = [datetime]::UtcNow + $Timeout
    while (-not (& $Condition)) {
        if ([datetime]::UtcNow -gt $deadline) { throw "Timed out after $Timeout waiting for $Because." }
        Start-Sleep -Milliseconds 50
    }
}

function Wait-FormationLine {
    <# Waits until a process of the formation has written the line. #>
    param([Parameter(Mandatory)] $Formation, [Parameter(Mandatory)] [string] $Process, [Parameter(Mandatory)] [string] $Line)
    Wait-Until -Because "'$Line' from $Process" -Condition {
        @(Get-FormationLog -Formation $Formation -Name $Process | Where-Object Line -EQ $Line).Count -gt 0
    }
}

function Invoke-ChildPwsh {
    <#
    Runs a script in a fresh child pwsh (no profile) and returns its output lines; the child's exit code
    is in $LASTEXITCODE. Bounded: the child is killed after the timeout.
    #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{},
        [timespan] $Timeout = [timespan]::FromSeconds(120)
    )
    $pwsh = Get-PwshCommand
    $start = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($argument in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-OutputFormat', 'Text', '-EncodedCommand', [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($Script)))) {
        $start.ArgumentList.Add($argument)
    }
    # Plain text: a failure message that quotes the child's stderr holds no ANSI escapes (NUnit XML refuses them).
    $start.Environment['NO_COLOR'] = '1'
    foreach ($name in $Environment.Keys) { $start.Environment[$name] = $Environment[$name] }
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    $child = [Diagnostics.Process]::Start($start)
    $stderr = $child.StandardError.ReadToEndAsync()
    $stdout = $child.StandardOutput.ReadToEndAsync()
    if (-not $child.WaitForExit([int]$Timeout.TotalMilliseconds)) {
        $child.Kill($true)
        throw "The child pwsh did not finish within $Timeout."
    }
    $child.WaitForExit()
    $global:LASTEXITCODE = $child.ExitCode
    @($stdout.Result -split '\r?\n' | Where-Object { $_ }) + @($stderr.Result -split '\r?\n' | Where-Object { $_ } | ForEach-Object { "stderr: $_" })
}

function Find-TokenProcess {
    <# Pids of live processes whose environment carries FORMATION_TEST_TOKEN=token (how the tests find what they started). #>
    param([Parameter(Mandatory)] [string] $Token)
    foreach ($dir in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -Match '^\d+$') {
        try {
            $environ = [IO.File]::ReadAllText("$($dir.FullName)/environ")
            if ($environ.Contains("FORMATION_TEST_TOKEN=$Token") -and (Test-ProcessAlive ([int]$dir.Name))) { [int]$dir.Name }
        }
        catch { }
    }
}

function Get-FormationCliPath {
    <# formation.dll of this checkout (the newest build of src/Formation.Cli), as a test runs it with `dotnet`. #>
    $cli = Get-ChildItem (Join-Path $PSScriptRoot '..' '..' 'src' 'Formation.Cli' 'bin') -Recurse -Filter formation.dll -ErrorAction SilentlyContinue |
        Sort-Object LastWriteTime -Descending | Select-Object -First 1
    if (-not $cli) { throw 'The formation CLI is not built: run ./build.ps1 -Task Build.' }
    $cli.FullName
}
