"""statsmodels / scipy values for tests/oracle/stats/statsmodels.test.ts (JSON on stdin and stdout).

Input: {"power": [{"design": "paired"|"independent", "d", "n", "alpha", "power"}],
        "crossed": [[[...], ...]], "one_factor": [[...]], "confidence": c}.
Power: statsmodels TTestPower (paired) / TTestIndPower (independent, ratio 1), two-sided.
Crossed: anova_lm(ols("y ~ C(a) + C(b)")) and the method-of-moments components from the
expected mean squares E[MS_A] = s2_E + b s2_A, E[MS_B] = s2_E + a s2_B, E[MS_E] = s2_E,
with Satterthwaite's chi-square interval for a positive component (scipy chi2.ppf).
"""
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import brentq
from statsmodels.formula.api import ols
from statsmodels.stats.anova import anova_lm
from statsmodels.stats.power import TTestIndPower, TTestPower

warnings.simplefilter("ignore")


def solver(design):
    return TTestPower() if design == "paired" else TTestIndPower()


def polish(f, x):
    """solve_power stops at a tolerance that leaves up to ~1e-6 in the power (seen: effect size
    0.7356198 where the root of its own power function is 0.7356211). One brentq on statsmodels'
    power function, bracketed around solve_power's answer, brings the root to double precision;
    the test compares with both (this root to 1e-6, solve_power's to 1e-5)."""
    lo, hi = x * (1 - 1e-3), x * (1 + 1e-3)
    while f(lo) * f(hi) > 0:
        lo, hi = lo * 0.9, hi * 1.1
    return brentq(f, lo, hi, xtol=1e-14, rtol=1e-15)


def power_case(c):
    s = solver(c["design"])
    # TTestPower calls the sample size nobs, TTestIndPower nobs1 (per group; ratio 1).
    n = "nobs" if c["design"] == "paired" else "nobs1"
    power = lambda d, size: float(s.power(effect_size=d, alpha=c["alpha"], alternative="two-sided", **{n: size}))
    nobs = float(s.solve_power(effect_size=c["d"], alpha=c["alpha"], power=c["power"], alternative="two-sided", **{n: None}))
    effect = float(s.solve_power(effect_size=None, alpha=c["alpha"], power=c["power"], alternative="two-sided", **{n: c["n"]}))
    return {
        "power": power(c["d"], c["n"]),
        "nobs": nobs,
        "nobs_root": polish(lambda x: power(c["d"], x) - c["power"], nobs),
        "effect_size": effect,
        "effect_size_root": polish(lambda d: power(d, c["n"]) - c["power"], effect),
    }


def chi2_interval(ms, df, conf):
    a = 1 - conf
    return [df * ms / stats.chi2.ppf(1 - a / 2, df), df * ms / stats.chi2.ppf(a / 2, df)]


def crossed_case(y, conf):
    a, b = len(y), len(y[0])
    rows = [{"y": y[i][j], "a": f"a{i}", "b": f"b{j}"} for i in range(a) for j in range(b)]
    table = anova_lm(ols("y ~ C(a) + C(b)", data=pd.DataFrame(rows)).fit())
    ms = {k: float(table.loc[k, "mean_sq"]) for k in ["C(a)", "C(b)", "Residual"]}
    dfs = {k: float(table.loc[k, "df"]) for k in ["C(a)", "C(b)", "Residual"]}
    out = {
        "ss": {k: float(table.loc[k, "sum_sq"]) for k in ["C(a)", "C(b)", "Residual"]},
        "df": dfs,
        "ms": ms,
        "residual_ci": chi2_interval(ms["Residual"], dfs["Residual"], conf),
    }
    for key, factor, k in [("a", "C(a)", b), ("b", "C(b)", a)]:
        raw = (ms[factor] - ms["Residual"]) / k
        if raw > 0:
            nu = (ms[factor] - ms["Residual"]) ** 2 / (ms[factor] ** 2 / dfs[factor] + ms["Residual"] ** 2 / dfs["Residual"])
            ci = chi2_interval(raw, nu, conf)
        else:
            ci = [0.0, dfs[factor] * ms[factor] / (k * stats.chi2.ppf((1 - conf) / 2, dfs[factor]))]
        out[key] = {"raw": raw, "variance": max(raw, 0.0), "ci": ci}
    return out


def one_factor_case(y, conf):
    table = anova_lm(ols("y ~ 1", data=pd.DataFrame({"y": y})).fit())
    ms = float(table.loc["Residual", "mean_sq"])
    return {"variance": ms, "numpy_var": float(np.var(y, ddof=1)), "ci": chi2_interval(ms, len(y) - 1, conf)}


def plan_case(c):
    """A seed plan from pilot values: sample sigma (numpy ddof=1) of the values, or of the paired differences."""
    if c["design"] == "paired":
        sigma = float(np.std(np.array(c["a"]) - np.array(c["b"]), ddof=1))
        s, n = TTestPower(), "nobs"
    else:
        sigma = float(np.std(c["a"], ddof=1))
        s, n = TTestIndPower(), "nobs1"
    power = lambda d, size: float(s.power(effect_size=d, alpha=c["alpha"], alternative="two-sided", **{n: size}))
    nobs = float(s.solve_power(effect_size=c["delta"] / sigma, alpha=c["alpha"], power=c["power"], alternative="two-sided", **{n: None}))
    nobs = polish(lambda x: power(c["delta"] / sigma, x) - c["power"], nobs)
    effect = float(s.solve_power(effect_size=None, alpha=c["alpha"], power=c["power"], alternative="two-sided", **{n: len(c["a"])}))
    effect = polish(lambda d: power(d, len(c["a"])) - c["power"], effect)
    return {"sigma": sigma, "n_required_exact": nobs, "n_required": math.ceil(nobs), "min_detectable_delta": effect * sigma}


data = json.load(sys.stdin)
conf = data["confidence"]
json.dump(
    {
        "power": [power_case(c) for c in data["power"]],
        "crossed": [crossed_case(y, conf) for y in data["crossed"]],
        "one_factor": [one_factor_case(y, conf) for y in data["one_factor"]],
        "plans": [plan_case(c) for c in data.get("plans", [])],
    },
    sys.stdout,
)
