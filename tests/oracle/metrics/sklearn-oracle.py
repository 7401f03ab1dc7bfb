"""sklearn's value of every metric of lib/metrics for each prediction set read from stdin (JSON).

Input: [{"y_true": [...], "y_pred": [...], "probs": [[p_A, p_B, p_C, p_D], ...]}, ...]
Output: one object per set; undefined values (sklearn raises or returns nan) are null.
"""
import json
import math
import sys

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    classification_report,
    cohen_kappa_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)
import warnings

warnings.simplefilter("ignore")
LABELS = [0, 1, 2, 3]


def finite(x):
    x = float(x)
    return x if math.isfinite(x) else None


def auc(y_true, probs):
    try:
        return finite(roc_auc_score(y_true, probs, multi_class="ovr", average="macro", labels=LABELS))
    except ValueError:
        return None


out = []
for case in json.load(sys.stdin):
    t = np.array(case["y_true"])
    p = np.array(case["y_pred"])
    probs = np.array(case["probs"], dtype=np.float64)
    prec, rec, f1, sup = precision_recall_fscore_support(t, p, labels=LABELS, zero_division=0)
    out.append({
        "accuracy": accuracy_score(t, p),
        "kappa": finite(cohen_kappa_score(t, p, weights="quadratic", labels=LABELS)),
        "macro_f1": f1_score(t, p, labels=LABELS, average="macro", zero_division=0),
        "weighted_f1": f1_score(t, p, labels=LABELS, average="weighted", zero_division=0),
        "precision": prec.tolist(),
        "recall": rec.tolist(),
        "f1": f1.tolist(),
        "support": sup.tolist(),
        "bal_acc": balanced_accuracy_score(t, p),
        "bal_acc_adjusted": finite(balanced_accuracy_score(t, p, adjusted=True)),
        "classes_in_y_true": len(set(t.tolist())),
        "auc": auc(t, probs),
        "confusion_matrix": confusion_matrix(t, p, labels=LABELS).tolist(),
        "report": classification_report(t, p, labels=LABELS, target_names=["A", "B", "C", "D"], output_dict=True, zero_division=0),
    })
json.dump(out, sys.stdout, allow_nan=False)
