"""FAISS side of `npm run bench:peers` (tooling only; the product is TypeScript).

Reads a job written by scripts/bench/bench-peers.ts, builds (or loads from the cache folder) FAISS
HNSW (M = 32) and IVF-SQ8 indexes over the base vectors, sweeps efSearch / nprobe on every workload
and prints one JSON object on one line of stdout: build times, the filter mechanism used, and per
sweep point the queries/s and the path of an .ivecs file with the returned ids (recall is computed by
the TypeScript side, with the same code as for squash).

With "serve": true in the job it then stays, indexes and selectors loaded, and times points again on
request, so that the caller can interleave them with its own re-timings: each stdin line
{"workload", "method", "params"} (a sweep point's) is answered with one line {"qps"}, timed as the
sweep timed it (all queries, repeated until minSeconds; no warm-up, as the caller's re-timings); an
empty line or EOF ends the process.

Job (JSON): base, queries (.fvecs), k, cacheDir, key, minSeconds, outDir, serve, workloads: [{name,
groups (.npy int32, the allowed row ids of every group concatenated), offsets (.npy int32, G + 1
group bounds), queryGroups (.npy int32, one group per query, -1 = no filter), selectivity}].

Filtered search is what a FAISS 1.7.3 user has: an IDSelector passed in SearchParameters (the
search skips non-matching ids; IDSelectorBitmap when present, else IDSelectorBatch), plus, for
HNSW at selectivity >= 1 %, the classic alternative of searching k' = m·k/selectivity (m = 1, 2;
efSearch = k') and post-filtering. The selectors are built once per group, outside the timing.
nprobe is swept up to 512 (capped at nlist): selective filters need many lists to find k matches.

Run single-threaded: the caller pins it with `taskset -c 0`, and it sets OpenMP to one thread.
"""

import json
import math
import os
import sys
import time

import faiss
import numpy as np


def read_fvecs(path):
    raw = np.fromfile(path, dtype="<i4")
    if raw.size == 0:
        return np.zeros((0, 0), dtype="float32")
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view("<f4")


def write_ivecs(path, ids):
    n, k = ids.shape
    out = np.empty((n, k + 1), dtype="<i4")
    out[:, 0] = k
    out[:, 1:] = ids.astype("<i4")
    out.tofile(path)


def log(message):
    print(message, file=sys.stderr, flush=True)


def timed(run, count, min_seconds):
    """Runs `run` until at least min_seconds have passed; returns (queries/s, result of the first run)."""
    start = time.perf_counter()
    first = run()
    rounds = 1
    while time.perf_counter() - start < min_seconds:
        run()
        rounds += 1
    seconds = time.perf_counter() - start
    return rounds * count / seconds, first


def make_selector(ids, n):
    """The strongest IDSelector this FAISS offers for a fixed id set: a bitmap (O(1) test), else a batch (hash set)."""
    if hasattr(faiss, "IDSelectorBitmap"):
        mask = np.zeros(n, dtype=bool)
        mask[ids] = True
        bits = np.packbits(mask, bitorder="little")
        return faiss.IDSelectorBitmap(bits.size, faiss.swig_ptr(bits)), bits, "IDSelectorBitmap"
    ids64 = ids.astype("int64")
    return faiss.IDSelectorBatch(ids64.size, faiss.swig_ptr(ids64)), ids64, "IDSelectorBatch"


def cached(path, build):
    if os.path.exists(path):
        return faiss.read_index(path), 0.0, True
    start = time.perf_counter()
    index = build()
    seconds = time.perf_counter() - start
    faiss.write_index(index, path + ".tmp")
    os.replace(path + ".tmp", path)
    return index, seconds, False


def load_batches(workload, n):
    """Queries batched per filter group, as a FAISS user with one selector per filter value would do.

    Returns (batches of (members, selector, the selector's storage, row mask), selector name); the
    selectors are built here, once, outside any timing."""
    groups = np.load(workload["groups"])
    offsets = np.load(workload["offsets"])
    query_groups = np.load(workload["queryGroups"])
    batches = []
    selector_name = None
    for g in sorted(set(int(x) for x in query_groups)):
        members = np.nonzero(query_groups == g)[0]
        if g < 0:
            batches.append((members, None, None, None))
        else:
            ids = groups[offsets[g] : offsets[g + 1]]
            sel, keep, selector_name = make_selector(ids, n)
            mask = np.zeros(n, dtype=bool)
            mask[ids] = True
            batches.append((members, sel, keep, mask))
    return batches, selector_name


def search_setup(method, params, hnsw, ivf, k):
    """One point's index, its search parameters given a selector (or None), and the k it searches."""
    if method == "faiss-ivf-sq8":

        def ivf_params(sel):
            search = faiss.SearchParametersIVF()
            search.nprobe = params["nprobe"]
            if sel is not None:
                search.sel = sel
            return search

        return ivf, ivf_params, k
    post_filter = method == "faiss-hnsw-postfilter"
    ef = params["kPrime"] if post_filter else params["efSearch"]

    def hnsw_params(sel):
        # FAISS 1.7.3 ignores SearchParametersHNSW.efSearch: the index's own efSearch is used.
        hnsw.hnsw.efSearch = ef
        search = faiss.SearchParametersHNSW()
        search.efSearch = ef
        if sel is not None and not post_filter:
            search.sel = sel
        return search

    return hnsw, hnsw_params, ef if post_filter else k


def search_run(index, make_params, want, batches, queries, k):
    """All queries of a workload, batch by batch; the ids found, k per query (-1 = none)."""

    def run():
        out = np.full((len(queries), k), -1, dtype="int64")
        for members, sel, _keep, mask in batches:
            params = make_params(sel)
            _, found = index.search(queries[members], want, params=params)
            if want > k:  # post-filter: keep the first k matching ids
                for row, q in enumerate(members):
                    hits = found[row]
                    hits = hits[hits >= 0]
                    if mask is not None:
                        hits = hits[mask[hits]]
                    hits = hits[:k]
                    out[q, : hits.size] = hits
            else:
                out[members] = found
        return out

    return run


def sweep_points(job, selectivity, n, nlist):
    """The (method, params) of a workload's sweep, in the order they are timed."""
    k = job["k"]
    points = [("faiss-hnsw", {"efSearch": ef}) for ef in job.get("efSearch", [16, 32, 64, 128, 256, 512])]
    nprobes = sorted({min(p, nlist) for p in job.get("nprobe", [1, 2, 4, 8, 16, 32, 64, 128, 256, 512])})
    points += [("faiss-ivf-sq8", {"nprobe": nprobe}) for nprobe in nprobes]
    if 0.01 <= selectivity < 1:
        factors = job.get("postFilterFactors", [1, 2])
        points += [("faiss-hnsw-postfilter", {"kPrime": min(n, math.ceil(m * k / selectivity))}) for m in factors]
    return points


def serve(runs, count, min_seconds):
    """Answers one request line {workload, method, params} at a time with {"qps"}: the point timed again,
    as the sweep timed it; an empty line or EOF ends it."""
    while True:
        line = sys.stdin.readline()
        if not line.strip():
            return
        request = json.loads(line)
        qps, _ = timed(runs(request["workload"], request["method"], request["params"]), count, min_seconds)
        print(json.dumps({"qps": qps}), flush=True)


def main():
    job = json.load(open(sys.argv[1]))
    faiss.omp_set_num_threads(1)
    base = read_fvecs(job["base"])
    queries = read_fvecs(job["queries"])
    n, dim = base.shape
    k = job["k"]
    min_seconds = job["minSeconds"]
    os.makedirs(job["cacheDir"], exist_ok=True)

    def build_hnsw():
        index = faiss.IndexHNSWFlat(dim, 32)
        index.add(base)
        return index

    nlist = max(1, round(4 * math.sqrt(n)))

    def build_ivf():
        quantizer = faiss.IndexFlatL2(dim)
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_L2)
        index.train(base)
        index.add(base)
        return index

    log(f"faiss {faiss.__version__}: building or loading HNSW (M 32) and IVF{nlist},SQ8 over {n} × {dim}")
    hnsw, hnsw_build, hnsw_cached = cached(os.path.join(job["cacheDir"], f"{job['key']}-hnsw32.faiss"), build_hnsw)
    ivf, ivf_build, ivf_cached = cached(os.path.join(job["cacheDir"], f"{job['key']}-ivf{nlist}-sq8.faiss"), build_ivf)

    batches = {}
    selector_name = None
    for workload in job["workloads"]:
        batches[workload["name"]], made = load_batches(workload, n)
        selector_name = made or selector_name

    def runs(workload, method, params):
        index, make_params, want = search_setup(method, params, hnsw, ivf, k)
        return search_run(index, make_params, want, batches[workload], queries, k)

    points = []
    for workload in job["workloads"]:
        name = workload["name"]
        for method, params in sweep_points(job, workload["selectivity"], n, nlist):
            run = runs(name, method, params)
            run()  # warm-up
            qps, ids = timed(run, len(queries), min_seconds)
            [(param_name, value)] = params.items()
            path = os.path.join(job["outDir"], f"{name}-{method}-{value}.ivecs")
            write_ivecs(path, ids)
            points.append({"method": method, "workload": name, "params": params, "qps": qps, "ids": path})
            log(f"  {name} {method} {param_name} {value}: {qps:.0f} q/s")

    # One line, so that a caller can read it while the process stays to serve.
    print(
        json.dumps(
            {
                "faissVersion": faiss.__version__,
                "selector": selector_name,
                "nlist": nlist,
                "builds": {
                    "hnswSeconds": hnsw_build,
                    "hnswCached": hnsw_cached,
                    "ivfSeconds": ivf_build,
                    "ivfCached": ivf_cached,
                },
                "points": points,
            }
        ),
        flush=True,
    )
    if job.get("serve"):
        serve(runs, len(queries), min_seconds)


if __name__ == "__main__":
    main()
