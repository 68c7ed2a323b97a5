/**
 * Copies the published version of an index to another store (a local build to S3, say): every object
 * of the version, the manifest after them and CURRENT last (by `publishVersion`, which checks the
 * copied manifest and pins its hash), so readers of the target never see a manifest whose objects
 * are missing.
 */
import type { BlobStore } from '../store/index.ts';
import { publishVersion, readCurrentManifest, readCurrentPointer } from './current-version.ts';
import { versionKeys } from './index-keys.ts';

export async function copyIndex(from: BlobStore, to: BlobStore): Promise<{ version: number; bytes: number }> {
  const { manifest } = await readCurrentManifest(from);
  const keys = versionKeys(manifest.version);
  const objects = [
    manifest.objects.centroids.key,
    manifest.objects.attributes.key,
    ...manifest.objects.partitions.map((ref) => ref.key),
    ...(manifest.objects.externalIds ? [manifest.objects.externalIds.key] : []),
  ];
  let bytes = 0;
  for (const key of [...objects, keys.manifest]) {
    const body = await from.get(key);
    bytes += body.byteLength;
    await to.put(key, body);
  }
  const current = await readCurrentPointer(to);
  await publishVersion(to, manifest.version, current?.etag);
  return { version: manifest.version, bytes };
}
