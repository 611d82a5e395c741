"""Program entry (the ``gxq-desktop`` console script): a sub-command runs headless, none starts the GUI.

This module is the only place that knows both the command line and the GUI package.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from gxq_desktop import cli


def main(argv: Sequence[str] | None = None) -> int:
    args = cli.parse(argv)
    if getattr(args, "gui_command", None) == "selftest":
        from gxq_desktop.gui.selftest import run_selftest

        return run_selftest(args)
    if args.command is not None:
        return cli.run_command(args)
    from gxq_desktop.gui.application import run_gui  # Qt is imported only when the GUI starts

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
