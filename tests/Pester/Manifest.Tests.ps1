BeforeDiscovery {
    $script:cmdlets = (Import-PowerShellDataFile (Join-Path $PSScriptRoot '..' '..' 'Formation.psd1')).CmdletsToExport
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:manifestPath = Join-Path $modulePath 'Formation.psd1'
}

AfterAll {
    Exit-PrivateControlDirectory
}

Describe 'Formation module manifest' {
    It 'is a valid manifest' {
        $manifest = Test-ModuleManifest -Path $script:manifestPath

        $manifest.Name | Should -Be 'Formation'
        $manifest.PowerShellVersion | Should -Be ([version]'7.4')
        $manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'exports exactly the cmdlets in Formation.dll' {
        $exported = (Get-Module Formation).ExportedCmdlets.Keys | Sort-Object
        $exported | Should -Be ((Import-PowerShellDataFile $script:manifestPath).CmdletsToExport | Sort-Object)
    }

    It 'has help with a synopsis and at least two examples for <_>' -ForEach $script:cmdlets {
        $help = Get-Help $_ -Full

        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
    }

    It 'shows one SYNTAX line per parameter set, with switches bare, for <_>' -ForEach $script:cmdlets {
        $help = Get-Help $_
        $sets = (Get-Command $_).ParameterSets
        $common = [System.Management.Automation.Cmdlet]::CommonParameters

        $items = @($help.syntax.syntaxItem)

        $items.Count | Should -Be $sets.Count
        $written = $items | ForEach-Object { (@($_.parameter.name) | Sort-Object) -join ',' } | Sort-Object
        $declared = $sets | ForEach-Object { (@($_.Parameters.Name | Where-Object { $_ -notin $common }) | Sort-Object) -join ',' } | Sort-Object
        $written | Should -Be $declared
        foreach ($parameter in $items.parameter) {
            $isSwitch = (Get-Command $_).Parameters[$parameter.name].SwitchParameter
            [bool]$parameter.parameterValue | Should -Be (-not $isSwitch) -Because "-$($parameter.name) is $(if ($isSwitch) { 'a switch' } else { 'not a switch' })"
        }
        $help | Out-String -Width 400 | Should -Not -Match '<SwitchParameter>'
    }

    It 'has about_Formation' {
        Get-Help about_Formation | Out-String | Should -BeLike '*USE IN PESTER*'
    }

    It 'loads the engine into its own AssemblyLoadContext' {
        $engine = [System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Formation.Engine' }

        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).Name | Should -Be 'Formation'
    }

    It 'stops every formation when the module is removed' {
        $procfile = New-TestProcfile "web: exec sleep 100`n"
        $f = Start-Formation $procfile -Name removed-with-module
        $id = $f.Processes[0].ProcessId

        Remove-Module Formation
        try {
            Test-ProcessAlive $id | Should -BeFalse
        }
        finally {
            Import-Module $script:manifestPath -Force
        }
    }
}
