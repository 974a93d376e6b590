"""The seed's split computed by scikit-learn 1.2.1 itself, for test_cv_split.py.

Run by Debian 12's /usr/bin/python3 with its python3-sklearn (1.2.1), outside the project's
virtual environment: `python3 -I sklearn121_folds.py LABELS.csv FOLDS SEED` prints
{"sklearn": version, "fold": [validation fold of each row]} as the seed's
StratifiedGroupKFold(FOLDS, shuffle=True, random_state=SEED).split(df, df.cancer,
groups=df.patient_id) makes it. Only the standard library and scikit-learn are used (Debian's
Python has no pandas). Exit code 3: scikit-learn 1.2.1 is not available.
"""

import csv
import json
import sys

REQUIRED = "1.2.1"
try:
    import sklearn
    from sklearn.model_selection import StratifiedGroupKFold
except ImportError as error:
    print(f"{sys.executable} cannot import scikit-learn: {error}", file=sys.stderr)
    sys.exit(3)
if sklearn.__version__ != REQUIRED:
    print(f"{sys.executable} has scikit-learn {sklearn.__version__}, not {REQUIRED}", file=sys.stderr)
    sys.exit(3)

path, folds, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, newline="") as handle:
    rows = list(csv.DictReader(handle))
y = [int(row["cancer"]) for row in rows]
groups = [int(row["patient_id"]) for row in rows]
fold = [-1] * len(rows)
splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
for k, (_, val) in enumerate(splitter.split(rows, y, groups=groups)):
    for row in val:
        fold[row] = k
json.dump({"sklearn": sklearn.__version__, "fold": fold}, sys.stdout)
