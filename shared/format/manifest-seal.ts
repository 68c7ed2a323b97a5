/**
 * The manifest's own checksum (index format 2). The binary objects carry CRC32Cs that the manifest
 * records, so the manifest is the root of trust: it must be checked itself, or one changed letter in
 * an attribute dictionary, a quantizer cut or a partition size (still valid JSON) changes answers
 * without a word.
 *
 * `manifest.json` is written as `JSON.stringify(value, null, 2)` plus a newline, with a last member
 * `"checksum": "sha256:<64 hex>"`: the SHA-256 of the same serialisation of every other member, in
 * the order they appear. A reader checks, before it trusts any field:
 *
 *  1. the checksum — any change of a value, a key or the order of members fails it;
 *  2. that the file is, byte for byte, the serialisation of what it parsed to — so whitespace, number
 *     spelling (`1E-7` for `1e-7`), escapes and trailing bytes cannot differ from what was written.
 *
 * Together they cover every byte of the file. The price: a manifest edited or reformatted by hand is
 * refused, even when its values are unchanged. It is machine-written and nothing needs to edit it.
 *
 * SHA-256 rather than CRC32C because `CURRENT` pins the manifest by the same hash (one algorithm for the
 * two JSON-level checks) and it costs nothing at these sizes. It detects damage, not an attacker who
 * can rewrite the checksum too (that needs signing, which nothing here claims).
 */
import { createHash } from 'node:crypto';
import { IndexFormatError } from '../errors/index.ts';

const CHECKSUM_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** `sha256:<hex>` of a string (as UTF-8) or bytes. */
export function sha256Checksum(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The one serialisation of manifest JSON that readers accept. */
export function serializeManifestJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The bytes of `manifest.json` for `content` (which must not have a `checksum` member). */
export function sealManifestJson(content: Readonly<Record<string, unknown>>): Uint8Array {
  if ('checksum' in content) throw new TypeError('manifest content already has a checksum member');
  const checksum = sha256Checksum(serializeManifestJson(content));
  return new TextEncoder().encode(serializeManifestJson({ ...content, checksum }));
}

/**
 * Checks a parsed manifest against its checksum and the text it was parsed from, and returns its
 * content (every member but `checksum`). `what` (the key) names it in messages.
 */
export function unsealManifestJson(
  text: string,
  json: Readonly<Record<string, unknown>>,
  what: string,
): Record<string, unknown> {
  const { checksum: stored, ...content } = json;
  if (stored === undefined) {
    throw new IndexFormatError(
      `manifest \`${what}\` has no checksum member; expected "checksum": "sha256:<64 hex digits>"`,
    );
  }
  if (typeof stored !== 'string' || !CHECKSUM_PATTERN.test(stored)) {
    throw new IndexFormatError(
      `manifest \`${what}\` has checksum ${JSON.stringify(stored).slice(0, 80)}; expected "sha256:<64 hex digits>"`,
    );
  }
  const computed = sha256Checksum(serializeManifestJson(content));
  if (computed !== stored) {
    throw new IndexFormatError(
      `manifest \`${what}\` fails its checksum (its content changed after it was written): stored ${stored}, computed ${computed}`,
    );
  }
  const canonical = serializeManifestJson(json);
  if (canonical !== text) {
    const at = firstDifference(canonical, text);
    throw new IndexFormatError(
      `manifest \`${what}\` is not byte for byte as written: at character ${at} it has ` +
        `${JSON.stringify(text.slice(at, at + 12))}, expected ${JSON.stringify(canonical.slice(at, at + 12))} ` +
        '(its values match the checksum, but a manifest is machine-written and an edited one is refused)',
    );
  }
  return content;
}

function firstDifference(a: string, b: string): number {
  const end = Math.min(a.length, b.length);
  for (let i = 0; i < end; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return i;
  return end;
}
