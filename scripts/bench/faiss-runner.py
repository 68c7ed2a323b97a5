"""FAISS side of `npm run bench:peers` (tooling only; the product is TypeScript).

Reads a job written by scripts/bench/bench-peers.ts, builds (or loads from the cache folder) FAISS
HNSW (M = 32) and IVF-SQ8 indexes over the base vectors, sweeps efSearch / nprobe on every workload
and prints one JSON object on stdout: build times, the filter mechanism used, and per sweep point the
queries/s and the path of an .ivecs file with the returned ids (recall is computed by the TypeScript
side, with the same code as for squash).

Job (JSON): base, queries (.fvecs), k, cacheDir, key, minSeconds, outDir, workloads: [{name,
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

    points = []
    selector_name = None
    for workload in job["workloads"]:
        groups = np.load(workload["groups"])
        offsets = np.load(workload["offsets"])
        query_groups = np.load(workload["queryGroups"])
        selectivity = workload["selectivity"]
        # Queries batched per filter group, as a FAISS user with one selector per filter value would do.
        batches = []
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

        def run_params(index, make_params, want):
            def run():
                out = np.full((len(query_groups), k), -1, dtype="int64")
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

        def record(method, param_name, value, run):
            run()  # warm-up
            qps, ids = timed(run, len(query_groups), min_seconds)
            path = os.path.join(job["outDir"], f"{workload['name']}-{method}-{value}.ivecs")
            write_ivecs(path, ids)
            points.append({"method": method, "workload": workload["name"], "params": {param_name: value}, "qps": qps, "ids": path})
            log(f"  {workload['name']} {method} {param_name} {value}: {qps:.0f} q/s")
            return qps

        for ef in job.get("efSearch", [16, 32, 64, 128, 256, 512]):
            def hnsw_params(sel, ef=ef):
                # FAISS 1.7.3 ignores SearchParametersHNSW.efSearch: the index's own efSearch is used.
                hnsw.hnsw.efSearch = ef
                params = faiss.SearchParametersHNSW()
                params.efSearch = ef
                if sel is not None:
                    params.sel = sel
                return params

            record("faiss-hnsw", "efSearch", ef, run_params(hnsw, hnsw_params, k))
        for nprobe in sorted({min(p, nlist) for p in job.get("nprobe", [1, 2, 4, 8, 16, 32, 64, 128, 256, 512])}):
            def ivf_params(sel, nprobe=nprobe):
                params = faiss.SearchParametersIVF()
                params.nprobe = nprobe
                if sel is not None:
                    params.sel = sel
                return params

            record("faiss-ivf-sq8", "nprobe", nprobe, run_params(ivf, ivf_params, k))
        if 0.01 <= selectivity < 1:
            for m in job.get("postFilterFactors", [1, 2]):
                want = min(n, math.ceil(m * k / selectivity))

                def post_params(_sel, want=want):
                    hnsw.hnsw.efSearch = want
                    params = faiss.SearchParametersHNSW()
                    params.efSearch = want
                    return params

                record("faiss-hnsw-postfilter", "kPrime", want, run_params(hnsw, post_params, want))

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
        )
    )


if __name__ == "__main__":
    main()
