"""scipy values for tests/oracle/stats/bootstrap.test.ts (JSON on stdin and stdout).

Input: {"cases": [{"kind": "mean" | "kappa" | "auc", "data": [...], "theta_b": [...], "alpha": a}],
        "montecarlo": [{"data": [...], "resamples": B, "confidence": c}],
        "logit_t": [{"values": [...], "min": lo, "max": hi, "confidence": c}]}

For "cases", `theta_b` are the project's defined resampled values; scipy's own BCa code
(`scipy.stats._resampling._bca_interval`, what `scipy.stats.bootstrap(method="BCa")` calls) is
applied to them with scipy's statistic and jackknife, and numpy's percentile gives both intervals.
"kappa"/"auc": data = patient indices; rows of each patient come in "rows" as [y_true, y_pred, p0..p3].
"""
import json
import math
import sys
import warnings

import numpy as np
from scipy import stats
from scipy.special import expit, logit
from scipy.stats._resampling import _bca_interval
from sklearn.metrics import cohen_kappa_score, roc_auc_score

warnings.simplefilter("ignore")


def num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def quadratic_kappa(y_true, y_pred):
    return cohen_kappa_score(y_true, y_pred, weights="quadratic", labels=[0, 1, 2, 3])


def ovr_auc(y_true, probs):
    # sklearn raises when a class is absent from y_true: the AUC is undefined there.
    if len(set(y_true)) < 4:
        return np.nan
    return roc_auc_score(y_true, probs, multi_class="ovr", average="macro", labels=[0, 1, 2, 3])


def grouped_statistic(kind, rows_by_patient):
    def one(idx):
        rows = [r for i in idx for r in rows_by_patient[int(i)]]
        if not rows:
            return np.nan
        y_true = [int(r[0]) for r in rows]
        y_pred = [int(r[1]) for r in rows]
        if kind == "kappa":
            return quadratic_kappa(y_true, y_pred)
        return ovr_auc(y_true, np.array([r[2:] for r in rows], dtype=float))

    def statistic(idx, axis=-1):
        return np.apply_along_axis(one, axis, np.asarray(idx))

    return statistic


def case(c):
    data = np.asarray(c["data"], dtype=float)
    if c["kind"] == "mean":
        statistic = lambda x, axis=-1: np.mean(x, axis=axis)  # noqa: E731
    else:
        statistic = grouped_statistic(c["kind"], c["rows"])
    theta_b = np.asarray(c["theta_b"], dtype=float)
    a1, a2, a_hat = _bca_interval((data,), statistic, axis=-1, alpha=c["alpha"], theta_hat_b=theta_b, batch=None)
    out = {
        "estimate": num(statistic(data)),
        "percentile": [num(np.percentile(theta_b, 100 * c["alpha"])), num(np.percentile(theta_b, 100 * (1 - c["alpha"])))],
        "a_hat": num(a_hat),
        "levels": [num(a1), num(a2)],
    }
    out["bca"] = [num(np.percentile(theta_b, 100 * a1)), num(np.percentile(theta_b, 100 * a2))] if np.isfinite(a1) and np.isfinite(a2) else [None, None]
    return out


def montecarlo(m):
    data = np.asarray(m["data"], dtype=float)
    out = {}
    for method in ("percentile", "BCa"):
        r = stats.bootstrap((data,), np.mean, n_resamples=m["resamples"], confidence_level=m["confidence"], method=method, random_state=np.random.default_rng(12345))
        out[method] = [float(r.confidence_interval.low), float(r.confidence_interval.high)]
    return out


def logit_t(c):
    x = (np.asarray(c["values"], dtype=float) - c["min"]) / (c["max"] - c["min"])
    y = logit(x)
    lo, hi = stats.t.interval(c["confidence"], len(y) - 1, loc=np.mean(y), scale=stats.sem(y))
    return [num(c["min"] + (c["max"] - c["min"]) * expit(lo)), num(c["min"] + (c["max"] - c["min"]) * expit(hi))]


data = json.load(sys.stdin)
json.dump(
    {
        "cases": [case(c) for c in data["cases"]],
        "montecarlo": [montecarlo(m) for m in data["montecarlo"]],
        "logit_t": [logit_t(c) for c in data["logit_t"]],
        "ndtri": [num(stats.norm.ppf(p)) for p in data["ndtri"]],
        "ndtr": [num(stats.norm.cdf(x)) for x in data["ndtr"]],
    },
    sys.stdout,
    allow_nan=False,
)
