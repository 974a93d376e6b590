"""Importing the stages' augmentation must not reach for the network (albumentations' update check)."""

import subprocess
import sys


def test_albumentations_update_check_is_off_once_mammoflow_jobs_is_imported():
    script = (
        "import urllib.request\n"
        "calls = []\n"
        "def refuse(self, *args, **kwargs):\n"
        "    calls.append(args)\n"
        "    raise OSError('no network')\n"
        "urllib.request.OpenerDirector.open = refuse\n"
        "import mammoflow_jobs.training.augment\n"
        "import os\n"
        "print(os.environ['NO_ALBUMENTATIONS_UPDATE'], len(calls))\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "NO_ALBUMENTATIONS_UPDATE"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["1", "0"]
