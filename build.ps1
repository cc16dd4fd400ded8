#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages Formation.
.DESCRIPTION
    Build   compiles the solution and lays out the importable module in out/Formation (the manifest,
            Formation.dll, the format and type files, en-US help, and the engine in lib/).
    Test    runs the xunit suites, then the Pester suite (tests/Pester) in a child pwsh when Pester 5
            is installed; otherwise it says that it skipped Pester.
    Package makes the PowerShell Gallery package (out/packages/Formation.<version>.nupkg) and the
            formation dotnet tool package.
.EXAMPLE
    ./build.ps1 -Task Build, Test
.EXAMPLE
    ./build.ps1 -Configuration Release -Task Package
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    [ValidateSet('Build', 'Test', 'Package')]
    [string[]] $Task = @('Build')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = $PSScriptRoot
$solution = Join-Path $root 'Formation.sln'
$moduleOut = Join-Path $root 'out' 'Formation'
$packageOut = Join-Path $root 'out' 'packages'

function Invoke-Dotnet {
    param([Parameter(ValueFromRemainingArguments)] [string[]] $Arguments)
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
}

function Invoke-BuildTask {
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    # The LayoutModule target of src/Formation.PowerShell lays out out/Formation after the build.
    Invoke-Dotnet build $solution --configuration $Configuration
    $manifest = Test-ModuleManifest -Path (Join-Path $moduleOut 'Formation.psd1')
    Write-Host "Built Formation $($manifest.Version) into $moduleOut"
}

function Invoke-TestTask {
    Invoke-Dotnet test $solution --configuration $Configuration --no-build

    $pester = Get-Module -ListAvailable -Name Pester | Where-Object Version -GE ([version]'5.0.0') |
        Sort-Object Version -Descending | Select-Object -First 1
    if (-not $pester) {
        Write-Warning 'Skipped the Pester suite (tests/Pester): Pester 5 is not installed. Run Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser to include it.'
        return
    }
    $pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
    $script = {
        param($ModulePath, $TestPath)
        $env:FORMATION_MODULE = $ModulePath
        Import-Module Pester -MinimumVersion 5.0
        $config = New-PesterConfiguration
        $config.Run.Path = $TestPath
        $config.Run.Exit = $true
        $config.Output.Verbosity = 'Detailed'
        $config.TestResult.Enabled = $true
        $config.TestResult.OutputPath = Join-Path $ModulePath '..' 'pester-results.xml'
        Invoke-Pester -Configuration $config
    }
    # A child pwsh, so the module under test is loaded fresh and unloaded with the process.
    & $pwsh -NoProfile -NonInteractive -Command $script -args $moduleOut (Join-Path $root 'tests' 'Pester')
    if ($LASTEXITCODE -ne 0) { throw "Pester failed: $LASTEXITCODE test(s) failed." }
}

function Invoke-PackageTask {
    New-Item -ItemType Directory -Force -Path $packageOut | Out-Null
    $repository = "FormationBuild-$PID"
    if (Get-Command Compress-PSResource -ErrorAction SilentlyContinue) {
        Compress-PSResource -Path $moduleOut -DestinationPath $packageOut
    }
    elseif (Get-Command Publish-PSResource -ErrorAction SilentlyContinue) {
        Register-PSResourceRepository -Name $repository -Uri $packageOut -Trusted
        try { Publish-PSResource -Path $moduleOut -Repository $repository }
        finally { Unregister-PSResourceRepository -Name $repository }
    }
    else {
        Register-PSRepository -Name $repository -SourceLocation $packageOut -PublishLocation $packageOut -InstallationPolicy Trusted
        try { Publish-Module -Path $moduleOut -Repository $repository }
        finally { Unregister-PSRepository -Name $repository }
    }
    Invoke-Dotnet pack (Join-Path $root 'src' 'Formation.Cli') --configuration $Configuration --output $packageOut
    Get-ChildItem $packageOut -Filter *.nupkg | ForEach-Object { Write-Host "Package: $($_.FullName)" }
}

foreach ($t in $Task) {
    switch ($t) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Package' { Invoke-PackageTask }
    }
}
