# Build the Windows bundle and installer:  powershell -File installer\build-windows.ps1
# Needs Python 3.11+ and NSIS (makensis on PATH).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
py -3 -m venv .build-venv
.\.build-venv\Scripts\python.exe -m pip install -q ".[build]"
.\.build-venv\Scripts\pyinstaller.exe --noconfirm --distpath dist --workpath build installer\gxq-desktop.spec
# Smoke test of the frozen program: temporary basedir, one PDF, exit code 0.
$tmp = New-Item -ItemType Directory -Path (Join-Path $env:TEMP ("gxq-smoke-" + [guid]::NewGuid()))
& .\dist\gxq-desktop\gxq-desktop.exe --basedir $tmp selftest
if ($LASTEXITCODE -ne 0) { throw "frozen program smoke test failed" }
$version = (.\.build-venv\Scripts\python.exe -c "import gxq_desktop; print(gxq_desktop.__version__)")
makensis /DVERSION=$version installer\gxq-desktop.nsi
