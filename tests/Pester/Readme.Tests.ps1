Describe 'README' {
    It 'shows the CI example exactly as examples/ci/App.Tests.ps1 has it' {
        $root = Join-Path $PSScriptRoot '..' '..'
        $readme = (Get-Content -Raw (Join-Path $root 'README.md')) -replace "`r`n", "`n"
        $example = (Get-Content -Raw (Join-Path $root 'examples' 'ci' 'App.Tests.ps1')) -replace "`r`n", "`n"

        $readme.Contains("``````powershell`n$example``````") | Should -BeTrue -Because 'the README quotes the file whole'
    }
}
