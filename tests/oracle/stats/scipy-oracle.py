"""scipy / numpy / statsmodels values for tests/oracle/stats (JSON on stdin and stdout).

Input: {"samples": [[...]], "pairs": [{"a": [...], "b": [...], "ratio": r}], "pvalues": [[...]]}.
Undefined values (nan) are written as null.
"""
import json
import math
import sys
import warnings

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests

warnings.simplefilter("ignore")


def num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def t_ppf(p, df):
    """scipy 1.10's t.ppf is off by up to ~2e-9 relative for small df (checked against mpmath);
    one Newton step on its accurate t.cdf brings it to double precision."""
    x = stats.t.ppf(p, df)
    return x - (stats.t.cdf(x, df) - p) / stats.t.pdf(x, df)


def describe(x):
    x = np.array(x, dtype=np.float64)
    n = len(x)
    sem = np.std(x, ddof=1) / math.sqrt(n)
    out = {
        "mean": num(np.mean(x)),
        "std_sample": num(np.std(x, ddof=1)),
        "std_population": num(np.std(x, ddof=0)),
        "cv_sample": num(np.std(x, ddof=1) / np.mean(x) * 100),
        "sem": num(stats.sem(x)),
        "median": num(np.median(x)),
        "q025": num(np.quantile(x, 0.025)),
        "q975": num(np.quantile(x, 0.975)),
    }
    for conf in (0.95, 0.9):
        lo, hi = stats.t.interval(conf, n - 1, loc=np.mean(x), scale=sem)
        half = t_ppf(1 - (1 - conf) / 2, n - 1) * sem
        # The Newton-refined quantile moves scipy's interval by < 1e-8 relative.
        assert abs(np.mean(x) + half - hi) <= 1e-8 * max(1, abs(hi))
        out[f"t_ci_{conf}"] = [num(np.mean(x) - half), num(np.mean(x) + half)]
    return out


def paired(case):
    a = np.array(case["a"], dtype=np.float64)
    b = np.array(case["b"], dtype=np.float64)
    d = a - b
    tt = stats.ttest_rel(a, b)
    ci = tt.confidence_interval(0.95)
    j = len(d)
    se_nb = math.sqrt((1 / j + case["ratio"]) * np.var(d, ddof=1))
    t_nb = np.mean(d) / se_nb
    q = t_ppf(0.975, j - 1)
    return {
        "t": num(tt.statistic),
        "t_p": num(tt.pvalue),
        "ci": [num(ci.low), num(ci.high)],
        "wilcoxon_default_p": num(stats.wilcoxon(a, b).pvalue),
        "wilcoxon_approx_p": num(stats.wilcoxon(a, b, method="approx").pvalue),
        "nb_t": num(t_nb),
        "nb_p": num(2 * stats.t.sf(abs(t_nb), j - 1)),
        "nb_ci": [num(np.mean(d) - q * se_nb), num(np.mean(d) + q * se_nb)],
    }


data = json.load(sys.stdin)
json.dump(
    {
        "samples": [describe(x) for x in data["samples"]],
        "pairs": [paired(c) for c in data["pairs"]],
        "holm": [multipletests(p, method="holm")[1].tolist() for p in data["pvalues"]],
    },
    sys.stdout,
    allow_nan=False,
)
