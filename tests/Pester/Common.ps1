# Dot-sourced by every *.Tests.ps1 in BeforeAll: imports the built module and defines test helpers.
$modulePath = if ($env:FORMATION_MODULE) { $env:FORMATION_MODULE } else { Join-Path $PSScriptRoot '..' '..' 'out' 'Formation' }
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
