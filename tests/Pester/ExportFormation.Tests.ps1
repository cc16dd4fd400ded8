BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Exit-PrivateControlDirectory
}

Describe 'Export-Formation' {
    BeforeEach {
        $script:procfile = New-TestProcfile "release: ./migrate`nweb: ./web -p `$PORT`nworker: ./worker`n" -Files @{
            'formation.yml' = "processes:`n  release: { task: true, port: none }`n  web: { after: [release], ready: { output: 'Listening' } }`n  worker: { count: 2, after: [web] }`n"
            '.env'          = "API_TOKEN=tok-secret`nMODE=fast`n"
        }
        $script:out = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
    }

    It 'writes systemd units named without ports, and returns them with -PassThru' {
        $files = Export-Formation Systemd -Path $out -Procfile $procfile -Name shop -PassThru -WarningAction SilentlyContinue

        $files.Path | ForEach-Object { Split-Path -Leaf $_ } | Should -Be @(
            'shop.target', 'shop-release.target', 'shop-release.1.service', 'shop-web.target', 'shop-web.1.service',
            'shop-worker.target', 'shop-worker.1.service', 'shop-worker.2.service')
        $files[0].GetType().FullName | Should -Be 'Formation.PowerShell.ExportedFile'
        Get-Content -Raw (Join-Path $out 'shop-web.1.service') | Should -BeLike '*Requires=shop-release.1.service*'
        Get-Content -Raw (Join-Path $out 'shop-web.1.service') | Should -Not -BeLike '*tok-secret*'
    }

    It 'warns with the type and key a target cannot express' {
        Export-Formation Kubernetes -Path $out -Procfile $procfile -Image shop:1 -WarningVariable warnings -WarningAction SilentlyContinue

        $warnings.Message | Should -Contain 'worker: after: Kubernetes has no start order: worker starts with the others, not after web.'
        $warnings.Message | Where-Object { $_ -like 'web: ready.output: *' } | Should -Not -BeNullOrEmpty
    }

    It 'keeps secrets in the Secret only' {
        Export-Formation Kubernetes -Path $out -Procfile $procfile -Image shop:1 -WarningAction SilentlyContinue

        (Select-String -Path (Join-Path $out '*') -Pattern 'tok-secret' -List).Filename | Should -Be 'env-secret.yaml'
    }

    It 'writes nothing with -WhatIf' {
        Export-Formation Compose -Path $out -Procfile $procfile -Build . -WhatIf -WarningAction SilentlyContinue

        Test-Path $out | Should -BeFalse
    }

    It 'does not overwrite without -Force' {
        Export-Formation Compose -Path $out -Procfile $procfile -Build . -WarningAction SilentlyContinue
        Set-Content (Join-Path $out 'compose.yaml') 'mine'

        Export-Formation Compose -Path $out -Procfile $procfile -Build . -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $err[0].FullyQualifiedErrorId | Should -Be 'ExportFileExists,Formation.PowerShell.Commands.ExportFormationCommand'
        Get-Content (Join-Path $out 'compose.yaml') | Should -Be 'mine'
        Export-Formation Compose -Path $out -Procfile $procfile -Build . -Force -WarningAction SilentlyContinue
        Get-Content -Raw (Join-Path $out 'compose.yaml') | Should -BeLike '*services:*'
    }

    It 'needs -Image for Kubernetes' {
        Export-Formation Kubernetes -Path $out -Procfile $procfile -ErrorVariable err -ErrorAction SilentlyContinue

        $err[0].ToString() | Should -BeLike '*needs the image*-Image*'
    }
}
