/**
 * Copies the published version of an index to another store (a local build to S3, say): every object
 * of the version (each checked against the manifest first, so damage is not copied), the manifest
 * after them and CURRENT last (by `publishVersion`, which checks the copied manifest and pins its
 * hash), so readers of the target never see a manifest whose objects are missing.
 */
import type { BlobStore } from '../store/index.ts';
import { publishVersion, readCurrentManifest, readCurrentPointer } from './current-version.ts';
import { versionKeys } from './index-keys.ts';
import { verifyObject } from './object-ref.ts';

export async function copyIndex(from: BlobStore, to: BlobStore): Promise<{ version: number; bytes: number }> {
  const { manifest } = await readCurrentManifest(from);
  const keys = versionKeys(manifest.version);
  const refs = [
    manifest.objects.centroids,
    manifest.objects.attributes,
    ...manifest.objects.partitions,
    ...(manifest.objects.externalIds ? [manifest.objects.externalIds] : []),
  ];
  let bytes = 0;
  for (const ref of refs) {
    const body = await from.get(ref.key);
    verifyObject(body, ref);
    bytes += body.byteLength;
    await to.put(ref.key, body);
  }
  const manifestBytes = await from.get(keys.manifest);
  bytes += manifestBytes.byteLength;
  await to.put(keys.manifest, manifestBytes);
  const current = await readCurrentPointer(to);
  await publishVersion(to, manifest.version, current?.etag);
  return { version: manifest.version, bytes };
}
