#!/usr/bin/env python3
"""numpy/scipy peer of benchmarks/es.mjs: the same Monte Carlo ES job written the way a numpy user would.

Reads the book and the job from the directory es.mjs writes (raw little-endian columns + job.json), then per run:
  scenarios  Student-t copula (nu) with unit-variance margins, antithetic: x = sqrt((nu-2)/W) * (Z @ L.T), W ~ chi2(nu),
             numpy's default_rng (PCG64; not the engine's xoshiro stream: same distribution, different draws);
             relative spot-vol link dv = max(floor, 1 + beta*x) - 1
  full       Black-76 for every (scenario, option) in chunks of 2,000 scenarios x 500 options (1M rows), vectorised,
             N(.) = scipy.special.ndtr; inverse options' coin value converted at the shocked index; sum per scenario
  ES         losses = -pnl; VaR = the ceil(m*alpha)-th smallest loss (np.partition), ES = Acerbi-Tasche on that tail
Prints JSON: {python, numpy, scipy, reps, scenariosMs, fullMs, es} (medians in ms).
"""
import json
import math
import os
import sys
import time

import numpy as np
import scipy
from scipy.special import ndtr

CHUNK = 2000


def load(d, name, dtype):
    return np.fromfile(os.path.join(d, name), dtype=dtype)


def scenarios(rng, L, m, nu, beta, floor):
    U = L.shape[0]
    draws = (m + 1) // 2
    z = rng.standard_normal((draws, U)) @ L.T
    w = rng.chisquare(nu, draws)
    x = z * np.sqrt((nu - 2.0) / w)[:, None]
    x = np.concatenate([x, -x[: m - draws]])
    dv = np.maximum(floor, 1.0 + beta * x) - 1.0
    return x, dv


def full_pnl(x, dv, b):
    F, K, T, vol, r, call, und, inv, q, base, spot = b
    m = x.shape[0]
    pnl = np.empty(m)
    sqrtT = np.sqrt(T)
    D = np.exp(-r * T)
    w = np.where(call != 0, 1.0, -1.0)
    for s0 in range(0, m, CHUNK):
        xs = x[s0 : s0 + CHUNK]
        mult = np.exp(xs)[:, und]
        Fp = F * mult
        sig = np.maximum(vol * (1.0 + dv[s0 : s0 + CHUNK][:, und]), 1e-4)
        s = sig * sqrtT
        lfk = np.log(Fp / K)
        d1 = lfk / s + 0.5 * s
        d2 = d1 - s
        V = w * D * (Fp * ndtr(w * d1) - K * ndtr(w * d2))
        after = np.where(inv != 0, V / Fp * (spot[und] * mult), V)
        pnl[s0 : s0 + CHUNK] = (q * after - base).sum(axis=1)
    return pnl


def expected_shortfall(pnl, alpha):
    loss = -pnl
    m = loss.size
    k = int(math.ceil(m * alpha)) - 1  # VaR = the (k+1)-th smallest loss
    part = np.partition(loss, k)
    var = part[k]
    tail = part[k + 1 :]
    # Acerbi-Tasche: mean of the worst (1-alpha)*m losses, VaR carrying the fractional remainder
    return (tail.sum() + var * ((1 - alpha) * m - tail.size)) / ((1 - alpha) * m)


def main():
    d = sys.argv[1]
    job = json.load(open(os.path.join(d, "job.json")))
    b = (
        load(d, "forward.f64", "<f8"), load(d, "strike.f64", "<f8"), load(d, "timeToExpiry.f64", "<f8"),
        load(d, "vol.f64", "<f8"), load(d, "rate.f64", "<f8"), load(d, "isCall.i32", "<i4"),
        load(d, "underlying.i32", "<i4"), load(d, "inverse.i32", "<i4"), load(d, "quantity.f64", "<f8"),
        load(d, "baseUsd.f64", "<f8"), load(d, "spot.f64", "<f8"),
    )
    L = np.linalg.cholesky(np.array(job["covariance"]))
    m, nu, alpha, beta, floor = job["scenarios"], job["nu"], job["alpha"], job["beta"], job["floor"]
    reps = max(1, int(job.get("reps", 3)))
    # warm-up at a small size (imports, BLAS threads, page faults)
    rng = np.random.default_rng(1)
    x, dv = scenarios(rng, L, 2000, nu, beta, floor)
    expected_shortfall(full_pnl(x, dv, b), alpha)
    sc_ms, full_ms, es = [], [], 0.0
    for r in range(reps):
        rng = np.random.default_rng(7 + r)
        t0 = time.perf_counter()
        x, dv = scenarios(rng, L, m, nu, beta, floor)
        t1 = time.perf_counter()
        es = expected_shortfall(full_pnl(x, dv, b), alpha)
        t2 = time.perf_counter()
        sc_ms.append((t1 - t0) * 1e3)
        full_ms.append((t2 - t0) * 1e3)
    print(json.dumps({
        "python": sys.executable, "numpy": np.__version__, "scipy": scipy.__version__, "reps": reps,
        "scenariosMs": float(np.median(sc_ms)), "fullMs": float(np.median(full_ms)), "es": float(es),
    }))


if __name__ == "__main__":
    main()
