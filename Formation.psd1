@{
    RootModule           = 'Formation.dll'
    ModuleVersion        = '0.2.0'
    GUID                 = '6f2f3c8e-5b1a-4c57-9a3e-2d7f0b8c4e11'
    Author               = 'Formation contributors'
    CompanyName          = 'Formation'
    Copyright            = '(c) Formation contributors. MIT License.'
    Description          = "Runs a twelve-factor app's process formation from a Procfile: typed processes in the pipeline, scaling and rolling restarts at run time, process groups so nothing is orphaned."
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Formation.format.ps1xml')
    TypesToProcess       = @('Formation.types.ps1xml')
    CmdletsToExport      = @(
        'Export-Formation'
        'Get-Formation'
        'Get-FormationEnvironment'
        'Get-FormationLog'
        'Get-FormationProcess'
        'Remove-Formation'
        'Restart-FormationProcess'
        'Set-FormationScale'
        'Start-Formation'
        'Start-FormationProcess'
        'Stop-Formation'
        'Stop-FormationProcess'
        'Test-Procfile'
        'Update-Formation'
        'Wait-Formation'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Procfile', 'Foreman', 'ProcessManager', 'TwelveFactor', 'Supervisor', 'Linux', 'macOS')
            LicenseUri   = 'https://opensource.org/license/mit'
            ReleaseNotes = 'See CHANGELOG.md: 0.2.0 runs in real PowerShell 7, reaches formations of other shells, exports to systemd, Kubernetes and Compose.'
        }
    }
}
