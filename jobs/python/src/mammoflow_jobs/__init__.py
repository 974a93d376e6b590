"""mammoflow's Python stage programs (DESIGN.md §4): `python -m mammoflow_jobs NAME --request FILE`."""

import os

# albumentations asks PyPI for a newer version at import (up to 2 s, a warning in every stage pod's
# log where there is no network): a stage's result must not depend on, or wait for, the network.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
