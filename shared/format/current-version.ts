import {
  BlobNotFoundError,
  IndexFormatError,
  IndexNotFoundError,
  PreconditionFailedError,
} from '../errors/index.ts';
import type { BlobStore } from '../store/index.ts';
import { CURRENT_KEY, isVersion, manifestKey, versionOfManifestKey } from './index-keys.ts';
import { decodeManifest, type Manifest } from './manifest.ts';

export interface CurrentVersion {
  readonly version: number;
  /** ETag of `CURRENT`, for the conditional write that publishes the next version. */
  readonly etag: string;
}

/** How often `readCurrentVersion` re-reads a `CURRENT` that changes under it before giving up. */
const READ_ATTEMPTS = 5;

/**
 * The published version and the ETag it was read at, or undefined when nothing is published.
 * The version and ETag belong together: `CURRENT` is re-read until two HEADs around the GET agree.
 */
export async function readCurrentVersion(store: BlobStore): Promise<CurrentVersion | undefined> {
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
    if (after?.etag === before.etag) return { version: parseCurrent(bytes, store), etag: before.etag };
  }
  throw new PreconditionFailedError(
    `\`${CURRENT_KEY}\` in ${store.description} kept changing while being read (${READ_ATTEMPTS} attempts)`,
  );
}

/**
 * Points `CURRENT` at `version`, whose manifest must already be in the store and valid (so a failed
 * build never moves `CURRENT`). The write is conditional on `CURRENT` still being at
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
  try {
    manifest = decodeManifest(await store.get(key), key);
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    throw new PreconditionFailedError(
      `cannot publish version ${version} of ${store.description}: \`${key}\` does not exist`,
    );
  }
  if (manifest.version !== version) {
    throw new IndexFormatError(`\`${key}\` says version ${manifest.version}; expected ${version}`);
  }
  const body = new TextEncoder().encode(`${version}\n`);
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

/** The published version's manifest; `IndexNotFoundError` when nothing is published. */
export async function readCurrentManifest(store: BlobStore): Promise<{ manifest: Manifest; etag: string }> {
  const current = await readCurrentVersion(store);
  if (!current) {
    throw new IndexNotFoundError(`${store.description} has no published index (no \`${CURRENT_KEY}\`)`);
  }
  return { manifest: await readManifest(store, current.version), etag: current.etag };
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
  const manifest = decodeManifest(bytes, key);
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

function parseCurrent(bytes: Uint8Array, store: BlobStore): number {
  const text = new TextDecoder().decode(bytes).trim();
  const version = /^[1-9][0-9]*$/.test(text) ? Number(text) : Number.NaN;
  if (!isVersion(version)) {
    throw new IndexFormatError(
      `\`${CURRENT_KEY}\` in ${store.description} holds ${JSON.stringify(text.slice(0, 40))}; expected a positive version number`,
    );
  }
  return version;
}
