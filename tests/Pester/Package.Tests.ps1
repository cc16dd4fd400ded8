BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # The Gallery package that build.ps1 makes (Invoke-Suite.ps1 passes it on), or one made the same way.
    $package = $env:FORMATION_PACKAGE
    if (-not $package) {
        $built = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'built')
        Compress-PSResource -Path $modulePath -DestinationPath $built
        $package = (Get-ChildItem $built -Filter 'Formation.*.nupkg').FullName
    }

    # A local file repository holding only that package, registered in a PSResourceGet store of the test's
    # own (XDG_DATA_HOME), and the module saved from it into a temporary module folder.
    $repository = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repository')
    Copy-Item -LiteralPath $package -Destination $repository
    $script:cmdletCount = @((Import-PowerShellDataFile (Join-Path $modulePath 'Formation.psd1')).CmdletsToExport).Count
    $script:modules = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'modules')
    $script:childEnvironment = @{ XDG_DATA_HOME = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'data')).FullName }
    $save = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name FormationLocal -Uri '$repository' -Trusted
Save-PSResource -Name Formation -Repository FormationLocal -Path '$($script:modules)'
"@
    $saved = Invoke-ChildPwsh $save -Environment $script:childEnvironment
    if ($LASTEXITCODE -ne 0) { throw "Save-PSResource failed: $($saved -join "`n")" }

    # Imports the module in a fresh pwsh and says what it saw: where it came from, its cmdlets, and any
    # error or warning the import wrote. Test-Procfile loads the engine.
    $script:importCheck = @'
$procfile = Join-Path ([IO.Path]::GetTempPath()) "formation-package-$PID"
Set-Content -LiteralPath $procfile -Value "web: exec sleep 100`n"
try {
    Import-Module {0} -ErrorVariable importErrors -WarningVariable importWarnings -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
    $module = Get-Module Formation
    [pscustomobject]@{
        ModuleBase = $module.ModuleBase
        Cmdlets    = @($module.ExportedCmdlets.Keys).Count
        Errors     = @($importErrors | ForEach-Object { "$_" })
        Warnings   = @($importWarnings | ForEach-Object { "$_" })
        Types      = @(Test-Procfile -Path $procfile -ErrorAction Stop | ForEach-Object Name)
    } | ConvertTo-Json -Compress
}
finally {
    Remove-Item -LiteralPath $procfile
}
'@
}

AfterAll {
    Exit-PrivateControlDirectory
}

Describe 'The Formation package' {
    It 'saves from a local repository with the module, its help and its engine' {
        $version = Get-ChildItem (Join-Path $script:modules 'Formation') -Directory | Select-Object -First 1
        $version | Should -Not -BeNullOrEmpty

        foreach ($file in 'Formation.psd1', 'Formation.dll', 'Formation.format.ps1xml', 'Formation.types.ps1xml', 'en-US/Formation.dll-Help.xml', 'en-US/about_Formation.help.txt', 'lib/Formation.Engine.dll', 'lib/YamlDotNet.dll') {
            Join-Path $version.FullName $file | Should -Exist
        }
    }

    It 'imports cleanly by path in a fresh pwsh' {
        $base = (Get-ChildItem (Join-Path $script:modules 'Formation') -Directory | Select-Object -First 1).FullName

        $output = Invoke-ChildPwsh ($script:importCheck.Replace('{0}', "'$(Join-Path $base 'Formation.psd1')'"))

        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $seen = $output | Where-Object { $_ -like "{*" } | Select-Object -Last 1 | ConvertFrom-Json
        $seen.Errors | Should -BeNullOrEmpty
        $seen.Warnings | Should -BeNullOrEmpty
        $seen.ModuleBase | Should -Be $base
        $seen.Cmdlets | Should -Be $script:cmdletCount
        $seen.Types | Should -Be 'web'
    }

    It 'imports cleanly by name from $env:PSModulePath in a fresh pwsh' {
        $environment = @{ PSModulePath = "$($script:modules)$([IO.Path]::PathSeparator)$env:PSModulePath" }

        $output = Invoke-ChildPwsh ($script:importCheck.Replace('{0}', 'Formation')) -Environment $environment

        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $seen = $output | Where-Object { $_ -like "{*" } | Select-Object -Last 1 | ConvertFrom-Json
        $seen.Errors | Should -BeNullOrEmpty
        $seen.Warnings | Should -BeNullOrEmpty
        $seen.ModuleBase | Should -BeLike "$($script:modules)*"
        $seen.Cmdlets | Should -Be $script:cmdletCount
        $seen.Types | Should -Be 'web'
    }
}
