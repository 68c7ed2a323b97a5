/** What an index object holds (u32 in its header). Never renumber; add new kinds at the end. */
export const ObjectKind = {
  /** One partition: codec, codes, attributes, ids, vectors. */
  PARTITION: 1,
  /** The partition centroids, read by allocators. */
  CENTROIDS: 2,
  /** Quantized attribute codes of every partition, read by allocators to count filter matches. */
  ALLOCATOR_ATTRIBUTES: 3,
  /** The external ids the build input carried, by global ordinal; read when shaping responses. */
  EXTERNAL_IDS: 4,
} as const;

export type ObjectKind = (typeof ObjectKind)[keyof typeof ObjectKind];

const names = new Map<number, string>(
  Object.entries(ObjectKind).map(([key, kind]) => [kind, key.toLowerCase().replace(/_/g, '-')]),
);

export function isObjectKind(value: number): value is ObjectKind {
  return names.has(value);
}

/** `ObjectKind.ALLOCATOR_ATTRIBUTES` → `'allocator-attributes'`. */
export function objectKindName(kind: number): string {
  return names.get(kind) ?? `kind#${kind}`;
}

export function knownObjectKinds(): string {
  return [...names].map(([kind, name]) => `${kind} (${name})`).join(', ');
}
