/**
 * Keys relative to an index location (a store opened at `s3://bucket/indexes/<name>` or a folder):
 * `CURRENT` holds the published version; each version's objects live under `v<version>/`.
 */
export const CURRENT_KEY = 'CURRENT';

export interface VersionKeys {
  /** `v<version>/` */
  readonly prefix: string;
  readonly manifest: string;
  readonly centroids: string;
  readonly attributes: string;
  readonly externalIds: string;
  partition(p: number): string;
}

export function versionKeys(version: number): VersionKeys {
  const prefix = versionPrefix(version);
  return {
    prefix,
    manifest: `${prefix}manifest.json`,
    centroids: `${prefix}centroids.bin`,
    attributes: `${prefix}attributes.bin`,
    externalIds: `${prefix}ids.bin`,
    partition: (p) => {
      if (!Number.isSafeInteger(p) || p < 0)
        throw new TypeError(`partition ${p} is not a non-negative integer`);
      return `${prefix}partitions/${p}.bin`;
    },
  };
}

export function versionPrefix(version: number): string {
  if (!isVersion(version)) throw new TypeError(`index version ${version} is not a positive integer`);
  return `v${version}/`;
}

export function manifestKey(version: number): string {
  return versionKeys(version).manifest;
}

export function centroidsKey(version: number): string {
  return versionKeys(version).centroids;
}

export function attributesKey(version: number): string {
  return versionKeys(version).attributes;
}

export function partitionKey(version: number, p: number): string {
  return versionKeys(version).partition(p);
}

/** `v12/manifest.json` → 12; any other key → undefined. */
export function versionOfManifestKey(key: string): number | undefined {
  const match = /^v([1-9][0-9]*)\/manifest\.json$/.exec(key);
  const version = match ? Number(match[1]) : Number.NaN;
  return isVersion(version) ? version : undefined;
}

export function isVersion(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}
