/**
 * `CURRENT`: which version of an index is published, and the SHA-256 of that version's
 * `manifest.json` — one line, `<version> sha256:<64 hex>\n`, nothing else. The hash is what makes the
 * file itself checked: a damaged digit that names another version that exists (an older one, or a
 * build that never published) would otherwise serve it without a word; with the hash, following
 * `CURRENT` to a manifest whose bytes do not match is an `IndexFormatError`. Readers that open a
 * version by number (processors, allocators) rely on the manifest's own checksum instead.
 *
 * Index format 1 wrote the version number alone. Readers refuse that (its manifest has no checksum
 * either); builds still read it, to publish the next version over an old index.
 */
import {
  BlobNotFoundError,
  IndexFormatError,
  IndexNotFoundError,
  PreconditionFailedError,
} from '../errors/index.ts';
import type { BlobStore } from '../store/index.ts';
import { CURRENT_KEY, isVersion, manifestKey, versionOfManifestKey } from './index-keys.ts';
import { decodeManifest, FORMAT_VERSION, type Manifest } from './manifest.ts';
import { sha256Checksum } from './manifest-seal.ts';

export interface CurrentVersion {
  readonly version: number;
  /** ETag of `CURRENT`, for the conditional write that publishes the next version. */
  readonly etag: string;
}

/** `CURRENT` as read, before following it. */
export interface CurrentPointer extends CurrentVersion {
  /** `sha256:<hex>` of the version's `manifest.json`; undefined in a format 1 `CURRENT`. */
  readonly manifestChecksum: string | undefined;
}

/** How often `readCurrentVersion` re-reads a `CURRENT` that changes under it before giving up. */
const READ_ATTEMPTS = 5;

/**
 * What `CURRENT` says and the ETag it was read at, or undefined when nothing is published, without
 * following it (builds use this: it also reads a format 1 `CURRENT`). The pointer and ETag belong
 * together: `CURRENT` is re-read until two HEADs around the GET agree.
 */
export async function readCurrentPointer(store: BlobStore): Promise<CurrentPointer | undefined> {
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const before = await store.head(CURRENT_KEY);
    if (!before) return undefined;
    let bytes: Uint8Array;
    try {
      bytes = await store.get(CURRENT_KEY);
    } catch (error) {
      if (error instanceof BlobNotFoundError) continue;
      throw error;
    }
    const after = await store.head(CURRENT_KEY);
    if (after?.etag === before.etag) return { ...parseCurrent(bytes, store), etag: before.etag };
  }
  throw new PreconditionFailedError(
    `\`${CURRENT_KEY}\` in ${store.description} kept changing while being read (${READ_ATTEMPTS} attempts)`,
  );
}

/**
 * The published version and the ETag of `CURRENT`, or undefined when nothing is published; checked:
 * the version's manifest is read (one GET) and must match the hash `CURRENT` pins and its own checksum.
 */
export async function readCurrentVersion(store: BlobStore): Promise<CurrentVersion | undefined> {
  const pointer = await readCurrentPointer(store);
  if (!pointer) return undefined;
  await followPointer(store, pointer);
  return { version: pointer.version, etag: pointer.etag };
}

/** The bytes of `CURRENT` that publish `version`, whose `manifest.json` is `manifestBytes`. */
export function encodeCurrent(version: number, manifestBytes: Uint8Array): Uint8Array {
  if (!isVersion(version)) throw new TypeError(`index version ${version} is not a positive integer`);
  return new TextEncoder().encode(`${version} ${sha256Checksum(manifestBytes)}\n`);
}

/**
 * Points `CURRENT` at `version`, whose manifest must already be in the store and valid (so a failed
 * build never moves `CURRENT`), pinning the SHA-256 of the manifest's bytes as read back. The write is conditional on `CURRENT` still being at
 * `previousEtag` (or still absent when undefined): of two concurrent builds, only one publishes.
 */
export async function publishVersion(
  store: BlobStore,
  version: number,
  previousEtag: string | undefined,
): Promise<{ etag: string }> {
  if (!isVersion(version)) throw new TypeError(`index version ${version} is not a positive integer`);
  const key = manifestKey(version);
  let manifest: Manifest;
  let manifestBytes: Uint8Array;
  try {
    manifestBytes = await store.get(key);
    manifest = decodeManifest(manifestBytes, key);
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    throw new PreconditionFailedError(
      `cannot publish version ${version} of ${store.description}: \`${key}\` does not exist`,
    );
  }
  if (manifest.version !== version) {
    throw new IndexFormatError(`\`${key}\` says version ${manifest.version}; expected ${version}`);
  }
  const body = encodeCurrent(version, manifestBytes);
  try {
    return await store.put(
      CURRENT_KEY,
      body,
      previousEtag === undefined ? { ifNoneMatch: '*' } : { ifMatch: previousEtag },
    );
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    throw new PreconditionFailedError(
      `\`${CURRENT_KEY}\` in ${store.description} moved while version ${version} was being built; ` +
        `version ${version} was not published (${error.message})`,
    );
  }
}

/**
 * The published version's manifest, checked against the hash `CURRENT` pins; `IndexNotFoundError`
 * when nothing is published.
 */
export async function readCurrentManifest(store: BlobStore): Promise<{ manifest: Manifest; etag: string }> {
  const pointer = await readCurrentPointer(store);
  if (!pointer) {
    throw new IndexNotFoundError(`${store.description} has no published index (no \`${CURRENT_KEY}\`)`);
  }
  return { manifest: await followPointer(store, pointer), etag: pointer.etag };
}

async function followPointer(store: BlobStore, pointer: CurrentPointer): Promise<Manifest> {
  const where = `\`${CURRENT_KEY}\` in ${store.description}`;
  if (pointer.manifestChecksum === undefined) {
    throw new IndexFormatError(
      `${where} holds only a version number (${pointer.version}): it was published by index format 1, whose ` +
        `manifests carry no checksum (or the rest of its line was lost); this build reads format version ` +
        `${FORMAT_VERSION}: rebuild the index (\`squash build\` into the same location publishes the next version)`,
    );
  }
  const key = manifestKey(pointer.version);
  let bytes: Uint8Array;
  try {
    bytes = await store.get(key);
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    throw new IndexFormatError(`${where} names version ${pointer.version}, but \`${key}\` does not exist`);
  }
  const computed = sha256Checksum(bytes);
  if (computed !== pointer.manifestChecksum) {
    throw new IndexFormatError(
      `${where} names version ${pointer.version} with manifest ${pointer.manifestChecksum}, but \`${key}\` ` +
        `hashes to ${computed} (one of the two is damaged)`,
    );
  }
  return checkedVersion(decodeManifest(bytes, key), pointer.version, key);
}

/** The manifest of one version, validated; `IndexNotFoundError` when it does not exist. */
export async function readManifest(store: BlobStore, version: number): Promise<Manifest> {
  const key = manifestKey(version);
  let bytes: Uint8Array;
  try {
    bytes = await store.get(key);
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    throw new IndexNotFoundError(
      `${store.description} has no version ${version} (\`${key}\` does not exist)`,
    );
  }
  return checkedVersion(decodeManifest(bytes, key), version, key);
}

function checkedVersion(manifest: Manifest, version: number, key: string): Manifest {
  if (manifest.version !== version) {
    throw new IndexFormatError(`\`${key}\` says version ${manifest.version}; expected ${version}`);
  }
  return manifest;
}

/** Versions that have a manifest, ascending (published or not). */
export async function listVersions(store: BlobStore): Promise<number[]> {
  const versions: number[] = [];
  for (const key of await store.list('v')) {
    const version = versionOfManifestKey(key);
    if (version !== undefined) versions.push(version);
  }
  return versions.sort((a, b) => a - b);
}

/**
 * `<version> sha256:<hex>\n` exactly; a format 1 `CURRENT` (the version alone, surrounding whitespace
 * allowed as that format did) parses with no checksum, for builds to publish over.
 */
function parseCurrent(bytes: Uint8Array, store: BlobStore): Omit<CurrentPointer, 'etag'> {
  const text = new TextDecoder().decode(bytes);
  const current = /^([1-9][0-9]*) (sha256:[0-9a-f]{64})\n$/.exec(text);
  const legacy = current ? null : /^\s*([1-9][0-9]*)\s*$/.exec(text);
  const version = Number((current ?? legacy)?.[1]);
  if (!isVersion(version)) {
    throw new IndexFormatError(
      `\`${CURRENT_KEY}\` in ${store.description} holds ${JSON.stringify(text.slice(0, 90))}; ` +
        'expected a positive version number, a space and the manifest\'s "sha256:<64 hex digits>" on one line',
    );
  }
  return { version, manifestChecksum: current?.[2] };
}
