;; Lower bounds of sixteen rows at a time (FAISS's "fast scan"): the source of fast-scan-binary.ts
;; (`npx tsx scripts/wasm/build-fast-scan.ts` regenerates it; a unit test checks that they agree).
;;
;; bounds(codes, tables, dims, blocks, out): for each of `blocks` blocks of 16 rows,
;;   out[16·b + i] (u16) = Σ_d tables[16·d + codes[b·16·dims + 16·d + i]]
;; codes: per block and dimension, the 16 rows' 4-bit codes, one per byte; tables: per dimension, 16
;; unsigned bytes. One `i8x16.swizzle` looks up a dimension for all sixteen rows.
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
)
