# Set up and start GXQ Desktop on Windows (PowerShell), on the embedded SQLite database with demo data.
#   powershell -ExecutionPolicy Bypass -File scripts\run-demo.ps1
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
$root = Get-Location
$venv = if ($env:GXQ_VENV) { $env:GXQ_VENV } else { Join-Path $root ".venv" }
if (-not (Test-Path (Join-Path $venv "Scripts\python.exe"))) { py -3 -m venv $venv }
$py = Join-Path $venv "Scripts\python.exe"
& $py -m pip install -q --upgrade pip
& $py -m pip install -q -e .
$basedir = if ($env:GXQ_BASEDIR) { $env:GXQ_BASEDIR } else { Join-Path $root ".demo" }
$env:GXQ_BASEDIR = $basedir
$exe = Join-Path $venv "Scripts\gxq-desktop.exe"
if (-not (Test-Path (Join-Path $basedir "data\gxq.sqlite3"))) {
    $n = if ($env:GXQ_DEMO_ENTERPRISES) { $env:GXQ_DEMO_ENTERPRISES } else { 20000 }
    Write-Host "正在创建演示数据库（$n 家市场主体）…"
    & $exe --basedir $basedir demo-data --enterprises $n --seed 2026
}
Write-Host "演示账户：admin / Admin@2026（系统管理员），kezhang、zhifa、luru / Demo@2026"
& $exe --basedir $basedir @args
