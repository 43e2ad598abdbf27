#!/usr/bin/env python3
"""numpy peer of Offset's headline kernel benchmarks.

Does the three headline jobs the way a numpy user would write them, times them, and prints one JSON object on
stdout (everything human-readable goes to stderr):

  correlatedNormals  200,000 x 20 correlated normal scenarios:
                     np.random.default_rng().standard_normal((m, n)) @ L.T   (PCG64 + numpy's ziggurat, BLAS dgemm)
  black76            Black-76 price + Greeks (delta, gamma, vega, theta, rho) of 1,000,000 options,
                     N(x) from scipy.special.ndtr (double precision, Cephes)
  varEs              99% VaR + Expected Shortfall of 1,000,000 P&Ls with np.partition (O(n) introselect)

Units and conventions follow packages/kernels/src/types.ts: vega per 1.00 vol, theta per year (dV/dt = -dV/dT),
Black-76 rho with the forward held fixed (-T*V); VaR is the smallest loss l with P(L <= l) >= alpha, ES is
Acerbi-Tasche (mean loss over the worst 1 - alpha of the probability mass), losses positive.

With --data DIR the Black-76 inputs and the P&L vector are read from raw little-endian files written by run.mjs
(the same numbers the JS/wasm kernels get), the numpy prices are written back to DIR/numpy_price.f64 and the VaR/ES
values go into the JSON, so the runner can cross-check its kernels against numpy/scipy. Without it, the script makes
its own data with the same distributions and runs standalone:

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/numpy_peer.py --budget 2
"""
from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
import platform
import sys
import time

import numpy as np

try:
    from scipy.special import ndtr
    import scipy

    SCIPY_VERSION = scipy.__version__
except ImportError:  # the Black-76 job needs scipy; the other two run without it
    ndtr = None
    SCIPY_VERSION = None

CONFIDENCE = 0.99
FACTORS = 20
KMS_RHO = 0.7  # Kac-Murdock-Szego correlation rho^|i-j|: positive definite for |rho| < 1 (same matrix as run.mjs)


def kms(n: int, rho: float) -> np.ndarray:
    i = np.arange(n)
    return rho ** np.abs(i[:, None] - i[None, :])


# ---- the three jobs, written as a numpy user would write them -------------------------------------------------------

def correlated_normals(rng: np.random.Generator, m: int, chol_t: np.ndarray) -> np.ndarray:
    z = rng.standard_normal((m, chol_t.shape[0]))
    return z @ chol_t


def black76_greeks(F, K, T, vol, r, is_call):
    """Black-76 price and Greeks, undiscounted forward F, discount exp(-rT). Returns (price, delta, gamma, vega, theta, rho)."""
    w = np.where(is_call != 0, 1.0, -1.0)
    sqrt_t = np.sqrt(T)
    sd = vol * sqrt_t
    d1 = (np.log(F / K) + 0.5 * sd * sd) / sd
    d2 = d1 - sd
    df = np.exp(-r * T)
    nd1 = ndtr(w * d1)
    nd2 = ndtr(w * d2)
    pdf = np.exp(-0.5 * d1 * d1) * (1.0 / math.sqrt(2.0 * math.pi))
    price = df * w * (F * nd1 - K * nd2)
    delta = df * w * nd1
    gamma = df * pdf / (F * sd)
    vega = df * F * pdf * sqrt_t
    theta = r * price - df * F * pdf * vol / (2.0 * sqrt_t)
    rho = -T * price
    return price, delta, gamma, vega, theta, rho


def var_es(pnl: np.ndarray, alpha: float):
    """VaR = the ceil(alpha*n)-th smallest loss; ES (Acerbi-Tasche, equal weights) = (sum of the losses above it
    + VaR * (ceil(alpha*n) - alpha*n)) / (n * (1 - alpha))."""
    n = pnl.size
    losses = -pnl
    k = math.ceil(alpha * n) - 1  # 0-based rank of the VaR loss in ascending order
    part = np.partition(losses, k)
    var = part[k]
    es = (part[k + 1:].sum() + var * ((k + 1) - alpha * n)) / (n * (1.0 - alpha))
    return float(var), float(es)


# ---- data -------------------------------------------------------------------------------------------------------------

def make_black76(rng: np.random.Generator, n: int):
    """Same distributions as run.mjs (not the same numbers): crypto-like forwards, strikes +-60%, 1 day..2 years."""
    F = 60000.0 * np.exp(0.1 * rng.standard_normal(n))
    K = F * np.exp(0.3 * rng.standard_normal(n))
    T = 1.0 / 365.0 + rng.random(n) * 2.0
    vol = 0.3 + 0.9 * rng.random(n)
    r = 0.05 * rng.random(n)
    is_call = (rng.random(n) < 0.5).astype(np.int32)
    return F, K, T, vol, r, is_call


def make_pnl(rng: np.random.Generator, n: int) -> np.ndarray:
    return 1000.0 * rng.standard_t(4, n)


def read_data(d: str):
    f64 = lambda name: np.fromfile(os.path.join(d, name + ".f64"), dtype="<f8")
    b76 = (f64("forward"), f64("strike"), f64("timeToExpiry"), f64("vol"), f64("rate"),
           np.fromfile(os.path.join(d, "isCall.i32"), dtype="<i4"))
    return b76, f64("pnl")


# ---- timing -----------------------------------------------------------------------------------------------------------

def bench(fn, budget_s: float, min_reps: int, max_reps: int, warm: int = 2):
    """Median of repeated wall-clock timings (perf_counter_ns) after `warm` untimed calls."""
    for _ in range(warm):
        fn()
    samples = []
    t0 = time.perf_counter()
    while len(samples) < min_reps or (time.perf_counter() - t0 < budget_s and len(samples) < max_reps):
        s = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - s) / 1e6)
    return samples


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


# ---- which BLAS, how many threads ------------------------------------------------------------------------------------

def blas_info():
    info = {"env": {k: os.environ.get(k) for k in
                    ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "MKL_NUM_THREADS")}}
    # The libraries actually mapped into this process (Debian's numpy links the generic libblas.so.3, which the
    # alternatives system points at OpenBLAS or the reference BLAS: the build config alone cannot tell).
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path).lower()
                if any(s in base for s in ("blas", "lapack", "mkl", "blis")):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    info["loaded_libraries"] = sorted(libs)
    # OpenBLAS can report its own configuration and thread count (symbols suffixed in scipy-openblas wheels).
    for lib in sorted(libs, key=lambda p: ("openblas" not in os.path.basename(p).lower(), p)):
        try:
            h = ctypes.CDLL(lib)
        except OSError:
            continue
        for prefix, suffix in (("openblas_", ""), ("scipy_openblas_", "64_"), ("scipy_openblas_", "")):
            try:
                get_threads = getattr(h, f"{prefix}get_num_threads{suffix}")
                get_config = getattr(h, f"{prefix}get_config{suffix}")
                get_config.restype = ctypes.c_char_p
                info["openblas"] = {"library": lib, "config": get_config().decode(), "threads": int(get_threads())}
                try:
                    core = getattr(h, f"{prefix}get_corename{suffix}")
                    core.restype = ctypes.c_char_p
                    info["openblas"]["core"] = core().decode()
                except AttributeError:
                    pass
                break
            except AttributeError:
                continue
        if "openblas" in info:
            break
    try:  # threadpoolctl, when installed, is the standard way to ask
        from threadpoolctl import threadpool_info

        info["threadpoolctl"] = threadpool_info()
    except ImportError:
        pass
    return info


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=float, default=3.0, help="seconds of timed repetitions per job (default 3)")
    ap.add_argument("--min-reps", type=int, default=7)
    ap.add_argument("--max-reps", type=int, default=200)
    ap.add_argument("--jobs", default="correlatedNormals,black76,varEs", help="comma-separated subset")
    ap.add_argument("--data", help="directory with the runner's inputs (forward.f64 … isCall.i32, pnl.f64)")
    ap.add_argument("--m", type=int, default=200_000, help="scenarios for correlatedNormals")
    ap.add_argument("--options", type=int, default=1_000_000)
    ap.add_argument("--pnls", type=int, default=1_000_000)
    a = ap.parse_args()
    jobs = [j for j in a.jobs.split(",") if j]

    rng = np.random.default_rng(20240601)
    if a.data:
        b76, pnl = read_data(a.data)
    else:
        b76, pnl = make_black76(rng, a.options), make_pnl(rng, a.pnls)

    out = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "numpy": np.__version__,
        "scipy": SCIPY_VERSION,
        "platform": platform.platform(),
        "jobs": {},
    }
    # force BLAS to load and spin up its threads before asking which one it is
    np.ones((64, 64)) @ np.ones((64, 64))
    out["blas"] = blas_info()

    if "correlatedNormals" in jobs:
        L = np.linalg.cholesky(kms(FACTORS, KMS_RHO))
        chol_t = np.ascontiguousarray(L.T)
        gen = np.random.default_rng(12345)
        s = bench(lambda: correlated_normals(gen, a.m, chol_t), a.budget, a.min_reps, a.max_reps)
        out["jobs"]["correlatedNormals"] = {"size": [a.m, FACTORS], "samples_ms": s, "median_ms": median(s)}
        print(f"numpy correlatedNormals {a.m}x{FACTORS}: {median(s):.2f} ms", file=sys.stderr)

    if "black76" in jobs:
        if ndtr is None:
            out["jobs"]["black76"] = {"error": "scipy not installed"}
        else:
            s = bench(lambda: black76_greeks(*b76), a.budget, a.min_reps, a.max_reps)
            job = {"size": int(b76[0].size), "samples_ms": s, "median_ms": median(s)}
            if a.data:
                price = black76_greeks(*b76)[0]
                price.astype("<f8").tofile(os.path.join(a.data, "numpy_price.f64"))
                job["price_file"] = "numpy_price.f64"
            out["jobs"]["black76"] = job
            print(f"numpy black76 {b76[0].size}: {median(s):.2f} ms", file=sys.stderr)

    if "varEs" in jobs:
        s = bench(lambda: var_es(pnl, CONFIDENCE), a.budget, a.min_reps, a.max_reps)
        v, e = var_es(pnl, CONFIDENCE)
        out["jobs"]["varEs"] = {"size": int(pnl.size), "samples_ms": s, "median_ms": median(s), "var": v, "es": e}
        print(f"numpy varEs {pnl.size}: {median(s):.2f} ms", file=sys.stderr)

    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
