; NSIS script: wraps the PyInstaller one-folder bundle (dist\gxq-desktop) into a Windows installer.
;   makensis /DVERSION=0.1.0 installer\gxq-desktop.nsi
Unicode true
!include "MUI2.nsh"
!ifndef VERSION
  !define VERSION "0.1.0"
!endif
Name "GXQ Desktop 高新区综合市场监管桌面端"
OutFile "..\dist\GXQDesktop-${VERSION}-setup.exe"
InstallDir "$PROGRAMFILES64\GXQ Desktop"
InstallDirRegKey HKLM "Software\GXQ Desktop" "InstallDir"
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

Section "GXQ Desktop" SecMain
  SetOutPath "$INSTDIR"
  File /r "..\dist\gxq-desktop\*.*"
  WriteRegStr HKLM "Software\GXQ Desktop" "InstallDir" "$INSTDIR"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateDirectory "$SMPROGRAMS\GXQ Desktop"
  CreateShortcut "$SMPROGRAMS\GXQ Desktop\高新区综合市场监管.lnk" "$INSTDIR\gxq-desktop.exe"
  CreateShortcut "$DESKTOP\高新区综合市场监管.lnk" "$INSTDIR\gxq-desktop.exe"
  WriteRegStr HKLM "Software\Microsoft\Windows\CurrentVersion\Uninstall\GXQDesktop" "DisplayName" "GXQ Desktop 高新区综合市场监管桌面端"
  WriteRegStr HKLM "Software\Microsoft\Windows\CurrentVersion\Uninstall\GXQDesktop" "UninstallString" "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "Software\Microsoft\Windows\CurrentVersion\Uninstall\GXQDesktop" "DisplayVersion" "${VERSION}"
SectionEnd

Section "Uninstall"
  ; User data (databases, settings) lives in the user's AppData and is deliberately kept.
  RMDir /r "$INSTDIR"
  Delete "$SMPROGRAMS\GXQ Desktop\高新区综合市场监管.lnk"
  RMDir "$SMPROGRAMS\GXQ Desktop"
  Delete "$DESKTOP\高新区综合市场监管.lnk"
  DeleteRegKey HKLM "Software\Microsoft\Windows\CurrentVersion\Uninstall\GXQDesktop"
  DeleteRegKey HKLM "Software\GXQ Desktop"
SectionEnd
