# Dot-sourced by build.ps1: the isolation check of the test command. Before any suite runs, a formation is
# started as a user starts one in another terminal: the real CLI, in the invoking user's own control
# directory. The suites then run with a private directory and are told its name (FORMATION_FOREIGN_FORMATION),
# so their isolation tests look for it with every host (formation ls/stop, Get-/Stop-/Remove-Formation).
# Afterwards it must still run with the same processes, never restarted; then the harness that started it
# stops it, in the user's directory, and checks that nothing of it is left.

function Invoke-FormationCli {
    <# Runs `dotnet formation.dll ARGS` in the caller's environment; returns its exit code and output (bounded: 30 s). #>
    param([Parameter(Mandatory)] [string] $Cli, [Parameter(Mandatory)] [string[]] $Arguments)
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($Cli) + $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($psi)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit(30000)) {
        $process.Kill($true)
        return [pscustomobject]@{ ExitCode = -1; Stdout = ''; Stderr = "formation $Arguments did not exit within 30 s" }
    }
    $process.WaitForExit()
    [pscustomobject]@{ ExitCode = $process.ExitCode; Stdout = $stdout.Result; Stderr = $stderr.Result }
}

function Get-ForeignProcess {
    <# The formation's processes (`formation ps --json`) in the caller's control directory, or $null when it does not answer. #>
    param([Parameter(Mandatory)] $Foreign)
    $ps = Invoke-FormationCli $Foreign.Cli 'ps', '--json', '--name', $Foreign.Name
    if ($ps.ExitCode -ne 0) { return $null }
    , @($ps.Stdout | ConvertFrom-Json | ForEach-Object { [pscustomobject]@{ Name = $_.Name; ProcessId = $_.ProcessId; State = $_.State; Restarts = $_.Restarts } })
}

function Start-ForeignFormation {
    <#
    Starts the foreign formation with the caller's environment (call it before XDG_RUNTIME_DIR is made private)
    and waits (bounded) until its process runs. Its one process ends by itself within an hour, so even a
    harness that is killed leaves nothing for longer.
    #>
    param([Parameter(Mandatory)] [string] $Cli, [Parameter(Mandatory)] [string] $Work)
    $foreign = [pscustomobject]@{
        Name = "foreign-build-$([guid]::NewGuid().ToString('N').Substring(0, 8))"; Cli = $Cli; Owner = $null; Before = $null; Problem = $null
    }
    if (-not (Test-Path -LiteralPath $Cli)) { $foreign.Problem = "the CLI is not built: $Cli"; return $foreign }
    New-Item -ItemType Directory -Force -Path $Work | Out-Null
    $procfile = Join-Path $Work 'Procfile'
    Set-Content -LiteralPath $procfile -Value "sleeper: exec sleep 3600`n" -NoNewline
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in $Cli, 'start', '-f', $procfile, '--name', $foreign.Name, '--restart', 'never', '--no-timestamp') { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $foreign.Owner = [Diagnostics.Process]::Start($psi)
    $null = $foreign.Owner.StandardOutput.ReadToEndAsync()
    $null = $foreign.Owner.StandardError.ReadToEndAsync()
    $deadline = [datetime]::UtcNow.AddSeconds(60)
    while (-not $foreign.Owner.HasExited -and [datetime]::UtcNow -lt $deadline) {
        $processes = Get-ForeignProcess $foreign
        if ($processes -and @($processes | Where-Object State -EQ 'Running').Count -eq $processes.Count) {
            $foreign.Before = $processes
            Write-Host "isolation: started formation '$($foreign.Name)' (pid $($foreign.Owner.Id)) in the user's control directory"
            return $foreign
        }
        Start-Sleep -Milliseconds 200
    }
    $foreign.Problem = if ($foreign.Owner.HasExited) { "formation start exited with code $($foreign.Owner.ExitCode)" } else { 'its process did not run within 60 s' }
    $foreign
}

function Complete-ForeignFormation {
    <#
    Checks the foreign formation after the suites (call it with the user's environment back), stops it and
    checks that nothing of it is left. Returns the check as a suite result (one test) for the summary line.
    #>
    param([Parameter(Mandatory)] $Foreign)
    $problems = [Collections.Generic.List[string]]::new()
    if ($Foreign.Problem) { $problems.Add("could not start it: $($Foreign.Problem)") }
    else {
        $after = Get-ForeignProcess $Foreign
        if (-not $after) { $problems.Add('it no longer answers in the user''s control directory: the suites stopped it') }
        else {
            $was = ($Foreign.Before | ForEach-Object { "$($_.Name) pid $($_.ProcessId) $($_.State) restarts $($_.Restarts)" }) -join ', '
            $is = ($after | ForEach-Object { "$($_.Name) pid $($_.ProcessId) $($_.State) restarts $($_.Restarts)" }) -join ', '
            if ($was -ne $is) { $problems.Add("its processes changed while the suites ran: before $was; after $is") }
        }
    }
    if ($Foreign.Owner -and -not $Foreign.Owner.HasExited) {
        $stop = Invoke-FormationCli $Foreign.Cli 'stop', '--name', $Foreign.Name
        if ($stop.ExitCode -ne 0) { $problems.Add("formation stop --name $($Foreign.Name) exited with code $($stop.ExitCode): $($stop.Stderr.Trim())") }
        if (-not $Foreign.Owner.WaitForExit(30000)) {
            $Foreign.Owner.Kill($true)
            $problems.Add('it did not end within 30 s of formation stop')
        }
    }
    foreach ($p in @($Foreign.Before)) {
        if ($p -and (Test-Path "/proc/$($p.ProcessId)/stat") -and (Get-Content -Raw "/proc/$($p.ProcessId)/stat") -notmatch '\) [ZX] ') {
            $problems.Add("$($p.Name) (pid $($p.ProcessId)) is still running after the stop")
        }
    }
    $detail = if ($problems.Count) { $problems -join '; ' } else { "formation '$($Foreign.Name)' in the user's control directory ran untouched through the suites, and was stopped after them" }
    [pscustomobject]@{ Suite = 'isolation'; Ran = $true; Passed = [int]($problems.Count -eq 0); Failed = [int]($problems.Count -gt 0); Skipped = 0; Detail = $detail }
}
