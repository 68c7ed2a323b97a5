;; The exact scan of a block of rows for two queries at a time, in f64x2 lanes: the source of
;; block-scan-binary.ts (`npx tsx scripts/wasm/build-wasm.ts` regenerates it; a unit test checks that
;; they agree). Rows are stored in quads: coordinate j of the quad's row i at quad[4·j + i] (f32), with
;; `stride` coordinates per row (the dimension rounded up to a multiple of 4, the rest zeros).
;;
;; promote(from, order, dim, stride, count, to): count queries of `dim` f32 at `from`, each rearranged
;;   into `order` (u32 per coordinate) and widened, then zeros up to `stride`:
;;   to[q·stride + j] (f64) = from[q·dim + order[j]] (f32) for j < dim, 0 after.
;; pair(first, second, quad, stride, bound0, bound1, out): the squared distances of two promoted queries
;;   to the quad's four rows. Each row's sum is one lane of one f64x2, its terms (u - x)² added coordinate
;;   after coordinate as a plain loop adds them, so the sums are the same bit for bit (zeros add nothing).
;;   After every 32 coordinates the scan stops when all four sums of the first query exceed bound0 and
;;   all four of the second exceed bound1. out (f64 × 8): the first query's four sums, then the second's.
(module
  (memory (export "memory") 1)
  (func (export "promote")
    (param $from i32) (param $order i32) (param $dim i32) (param $stride i32) (param $count i32)
    (param $to i32)
    (local $j i32)
    (block $done
      (loop $query
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $j (i32.const 0))
        (block $widened
          (loop $coordinate
            (br_if $widened (i32.ge_u (local.get $j) (local.get $dim)))
            (f64.store
              (i32.add (local.get $to) (i32.shl (local.get $j) (i32.const 3)))
              (f64.promote_f32
                (f32.load
                  (i32.add
                    (local.get $from)
                    (i32.shl
                      (i32.load (i32.add (local.get $order) (i32.shl (local.get $j) (i32.const 2))))
                      (i32.const 2))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $coordinate)))
        (block $padded
          (loop $padding
            (br_if $padded (i32.ge_u (local.get $j) (local.get $stride)))
            (f64.store (i32.add (local.get $to) (i32.shl (local.get $j) (i32.const 3))) (f64.const 0))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $padding)))
        (local.set $from (i32.add (local.get $from) (i32.shl (local.get $dim) (i32.const 2))))
        (local.set $to (i32.add (local.get $to) (i32.shl (local.get $stride) (i32.const 3))))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $query))))
  (func (export "pair")
    (param $first i32) (param $second i32) (param $quad i32) (param $stride i32)
    (param $bound0 f64) (param $bound1 f64) (param $out i32)
    (local $j i32) (local $end i32) (local $x v128) (local $x01 v128) (local $x23 v128)
    (local $u v128) (local $v v128) (local $d v128)
    (local $a01 v128) (local $a23 v128) (local $b01 v128) (local $b23 v128)
    (local $limit0 v128) (local $limit1 v128)
    (local.set $limit0 (f64x2.splat (local.get $bound0)))
    (local.set $limit1 (f64x2.splat (local.get $bound1)))
    (block $done
      (br_if $done (i32.eqz (local.get $stride)))
      (loop $chunk
        (local.set $end (i32.add (local.get $j) (i32.const 32)))
        (if (i32.gt_u (local.get $end) (local.get $stride)) (then (local.set $end (local.get $stride))))
        ;; Four coordinates per turn (the stride is a multiple of 4).
        (loop $coordinates
          (local.set $x (v128.load offset=0 (local.get $quad)))
          (local.set $x01 (f64x2.promote_low_f32x4 (local.get $x)))
          (local.set $x23 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))))
          (local.set $u (v128.load64_splat offset=0 (local.get $first)))
          (local.set $v (v128.load64_splat offset=0 (local.get $second)))
          (local.set $d (f64x2.sub (local.get $u) (local.get $x01)))
          (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $d (f64x2.sub (local.get $u) (local.get $x23)))
          (local.set $a23 (f64x2.add (local.get $a23) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $d (f64x2.sub (local.get $v) (local.get $x01)))
          (local.set $b01 (f64x2.add (local.get $b01) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $d (f64x2.sub (local.get $v) (local.get $x23)))
          (local.set $b23 (f64x2.add (local.get $b23) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $x (v128.load offset=16 (local.get $quad)))
          (local.set $x01 (f64x2.promote_low_f32x4 (local.get $x)))
          (local.set $x23 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))))
          (local.set $u (v128.load64_splat offset=8 (local.get $first)))
          (local.set $v (v128.load64_splat offset=8 (local.get $second)))
          (local.set $d (f64x2.sub (local.get $u) (local.get $x01)))
          (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $d (f64x2.sub (local.get $u) (local.get $x23)))
          (local.set $a23 (f64x2.add (local.get $a23) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $d (f64x2.sub (local.get $v) (local.get $x01)))
          (local.set $b01 (f64x2.add (local.get $b01) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $d (f64x2.sub (local.get $v) (local.get $x23)))
          (local.set $b23 (f64x2.add (local.get $b23) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $x (v128.load offset=32 (local.get $quad)))
          (local.set $x01 (f64x2.promote_low_f32x4 (local.get $x)))
          (local.set $x23 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))))
          (local.set $u (v128.load64_splat offset=16 (local.get $first)))
          (local.set $v (v128.load64_splat offset=16 (local.get $second)))
          (local.set $d (f64x2.sub (local.get $u) (local.get $x01)))
          (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $d (f64x2.sub (local.get $u) (local.get $x23)))
          (local.set $a23 (f64x2.add (local.get $a23) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $d (f64x2.sub (local.get $v) (local.get $x01)))
          (local.set $b01 (f64x2.add (local.get $b01) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $d (f64x2.sub (local.get $v) (local.get $x23)))
          (local.set $b23 (f64x2.add (local.get $b23) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $x (v128.load offset=48 (local.get $quad)))
          (local.set $x01 (f64x2.promote_low_f32x4 (local.get $x)))
          (local.set $x23 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))))
          (local.set $u (v128.load64_splat offset=24 (local.get $first)))
          (local.set $v (v128.load64_splat offset=24 (local.get $second)))
          (local.set $d (f64x2.sub (local.get $u) (local.get $x01)))
          (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $d (f64x2.sub (local.get $u) (local.get $x23)))
          (local.set $a23 (f64x2.add (local.get $a23) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $d (f64x2.sub (local.get $v) (local.get $x01)))
          (local.set $b01 (f64x2.add (local.get $b01) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $d (f64x2.sub (local.get $v) (local.get $x23)))
          (local.set $b23 (f64x2.add (local.get $b23) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $quad (i32.add (local.get $quad) (i32.const 64)))
          (local.set $first (i32.add (local.get $first) (i32.const 32)))
          (local.set $second (i32.add (local.get $second) (i32.const 32)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br_if $coordinates (i32.lt_u (local.get $j) (local.get $end))))
        (br_if $done (i32.ge_u (local.get $j) (local.get $stride)))
        (br_if $done
          (i64x2.all_true
            (v128.and
              (v128.and
                (f64x2.gt (local.get $a01) (local.get $limit0))
                (f64x2.gt (local.get $a23) (local.get $limit0)))
              (v128.and
                (f64x2.gt (local.get $b01) (local.get $limit1))
                (f64x2.gt (local.get $b23) (local.get $limit1))))))
        (br $chunk)))
    (v128.store (local.get $out) (local.get $a01))
    (v128.store offset=16 (local.get $out) (local.get $a23))
    (v128.store offset=32 (local.get $out) (local.get $b01))
    (v128.store offset=48 (local.get $out) (local.get $b23))))
