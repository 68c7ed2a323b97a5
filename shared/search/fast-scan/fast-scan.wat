;; Lower bounds of sixteen rows at a time (FAISS's "fast scan"): the source of fast-scan-binary.ts
;; (`npx tsx scripts/wasm/build-wasm.ts` regenerates it; a unit test checks that they agree).
;;
;; bounds(codes, tables, dims, blocks, out): for each of `blocks` blocks of 16 rows,
;;   out[16·b + i] (u16) = Σ_d tables[16·d + codes[b·16·dims + 16·d + i]]
;; codes: per block and dimension, the 16 rows' 4-bit codes, one per byte; tables: per dimension, 16
;; unsigned bytes. One `i8x16.swizzle` looks up a dimension for all sixteen rows.
;;
;; keys(sums, count, m, shift, limit, histogram, keys) -> n: the first step of a shortlist of the m
;;   smallest of `count` u16 sums. Buckets a sum by sum >> shift; finds the bucket holding the m-th
;;   smallest (at most `limit`); writes the f64 key sum·2^21 + i of every row at or below it to keys[0..n)
;;   and returns n. `histogram` (u32 per bucket) must be zero, and is zero again on return.
(module
  (memory (export "memory") 1)
  (func (export "bounds")
    (param $codes i32) (param $tables i32) (param $dims i32) (param $blocks i32) (param $out i32)
    (local $d i32) (local $t i32) (local $lo v128) (local $hi v128) (local $v v128)
    (block $done
      (loop $block
        (br_if $done (i32.eqz (local.get $blocks)))
        (local.set $lo (v128.const i32x4 0 0 0 0))
        (local.set $hi (v128.const i32x4 0 0 0 0))
        (local.set $t (local.get $tables))
        (local.set $d (local.get $dims))
        (loop $dimension
          (local.set $v (i8x16.swizzle (v128.load (local.get $t)) (v128.load (local.get $codes))))
          (local.set $lo (i16x8.add (local.get $lo) (i16x8.extend_low_i8x16_u (local.get $v))))
          (local.set $hi (i16x8.add (local.get $hi) (i16x8.extend_high_i8x16_u (local.get $v))))
          (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
          (local.set $t (i32.add (local.get $t) (i32.const 16)))
          (local.set $d (i32.sub (local.get $d) (i32.const 1)))
          (br_if $dimension (local.get $d)))
        (v128.store (local.get $out) (local.get $lo))
        (v128.store offset=16 (local.get $out) (local.get $hi))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (local.set $blocks (i32.sub (local.get $blocks) (i32.const 1)))
        (br $block))))
 (func (export "keys")
    (param $sums i32) (param $count i32) (param $m i32) (param $shift i32) (param $limit i32)
    (param $histogram i32) (param $keys i32) (result i32)
    (local $i i32) (local $bucket i32) (local $at i32) (local $lowest i32) (local $highest i32)
    (local $below i32) (local $cut i32) (local $n i32) (local $sum i32)
    (local.set $lowest (i32.const 65535))
    (block $counted
      (loop $count
        (br_if $counted (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $bucket
          (i32.shr_u
            (i32.load16_u (i32.add (local.get $sums) (i32.shl (local.get $i) (i32.const 1))))
            (local.get $shift)))
        (local.set $at (i32.add (local.get $histogram) (i32.shl (local.get $bucket) (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
        (local.set $lowest
          (select (local.get $bucket) (local.get $lowest) (i32.lt_u (local.get $bucket) (local.get $lowest))))
        (local.set $highest
          (select (local.get $bucket) (local.get $highest) (i32.gt_u (local.get $bucket) (local.get $highest))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $count)))
    (local.set $cut (local.get $lowest))
    (local.set $below (i32.load (i32.add (local.get $histogram) (i32.shl (local.get $cut) (i32.const 2)))))
    (block $found
      (loop $accumulate
        (br_if $found (i32.ge_u (local.get $below) (local.get $m)))
        (br_if $found (i32.ge_u (local.get $cut) (local.get $highest)))
        (local.set $cut (i32.add (local.get $cut) (i32.const 1)))
        (local.set $below
          (i32.add
            (local.get $below)
            (i32.load (i32.add (local.get $histogram) (i32.shl (local.get $cut) (i32.const 2))))))
        (br $accumulate)))
    (memory.fill
      (i32.add (local.get $histogram) (i32.shl (local.get $lowest) (i32.const 2)))
      (i32.const 0)
      (i32.shl (i32.sub (i32.add (local.get $highest) (i32.const 1)) (local.get $lowest)) (i32.const 2)))
    (local.set $cut (select (local.get $limit) (local.get $cut) (i32.lt_u (local.get $limit) (local.get $cut))))
    ;; Branch-free: every row's key is written, the count advances only for rows at or below the cut.
    (local.set $i (i32.const 0))
    (block $listed
      (loop $list
        (br_if $listed (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $sum (i32.load16_u (i32.add (local.get $sums) (i32.shl (local.get $i) (i32.const 1)))))
        (f64.store
          (i32.add (local.get $keys) (i32.shl (local.get $n) (i32.const 3)))
          (f64.add
            (f64.mul (f64.convert_i32_u (local.get $sum)) (f64.const 2097152))
            (f64.convert_i32_u (local.get $i))))
        (local.set $n
          (i32.add
            (local.get $n)
            (i32.le_u (i32.shr_u (local.get $sum) (local.get $shift)) (local.get $cut))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $list)))
    (local.get $n))
)
