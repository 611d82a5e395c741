import sys

from gxq_desktop.app import main

sys.exit(main())
