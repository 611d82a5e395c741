# Run lint, type checks and the test suite on Windows (SQLite only unless GXQ_TEST_PG_URL is set).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
$venv = Join-Path (Get-Location) ".venv"
if (-not (Test-Path (Join-Path $venv "Scripts\python.exe"))) { py -3 -m venv $venv }
$py = Join-Path $venv "Scripts\python.exe"
& $py -m pip install -q -e ".[test]"
$env:QT_QPA_PLATFORM = "offscreen"
& (Join-Path $venv "Scripts\ruff.exe") check gxq_desktop tests bench
& (Join-Path $venv "Scripts\mypy.exe")
& (Join-Path $venv "Scripts\lint-imports.exe")
& $py -m pytest @args
