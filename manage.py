#!/usr/bin/env python
"""Development entry point: `python manage.py <command>` from the repository root."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from liangcao.manage import main

if __name__ == "__main__":
    main()
