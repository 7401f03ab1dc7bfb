"""Oracle for lib/split: scikit-learn's StratifiedGroupKFold on cohorts read from stdin.

Input (JSON on stdin): {"cohorts": [{"groups": [str, ...], "labels": [int, ...], "folds": k,
"random_state": int}, ...]}, one entry per sample in groups/labels.
Output (JSON on stdout): {"sklearn_version": str, "results": [{"shuffled": [fold, ...],
"corrected": [fold, ...]}, ...]}, the 0-based validation fold of every sample.

"shuffled" is StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=r) as installed.
Before scikit-learn PR #32540 (fix for issue #32478, 2025) shuffle=True permutes the per-group
class counts without permuting the group index, so its folds are close to a random group
assignment. "corrected" is what that fix computes: the groups are renamed by a random
permutation (so np.unique's order is the shuffled one) and the split runs with shuffle=False.
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn.model_selection import StratifiedGroupKFold


def folds_of(splitter, labels, groups):
    out = np.full(len(labels), -1, dtype=int)
    x = np.zeros((len(labels), 1))
    for fold, (_, test) in enumerate(splitter.split(x, labels, groups)):
        out[test] = fold
    return out.tolist()


def main():
    request = json.load(sys.stdin)
    results = []
    warnings.simplefilter("ignore")  # "least populated class has only n members" is expected here
    for cohort in request["cohorts"]:
        labels = np.asarray(cohort["labels"])
        groups = np.asarray(cohort["groups"])
        k, seed = cohort["folds"], cohort["random_state"]
        shuffled = folds_of(StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed), labels, groups)
        names, inverse = np.unique(groups, return_inverse=True)
        rank = np.random.RandomState(seed).permutation(len(names))
        corrected = folds_of(StratifiedGroupKFold(n_splits=k, shuffle=False), labels, rank[inverse])
        results.append({"shuffled": shuffled, "corrected": corrected})
    json.dump({"sklearn_version": sklearn.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
