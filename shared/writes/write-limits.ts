/**
 * Limits of one write request (docs/writes.md "Limits"), as users know them from the peers: Amazon S3
 * Vectors takes 500 vectors per `PutVectors`; Pinecone takes ids up to 512 characters and 1,000 ids per
 * delete. A request over a count limit is a 413, a bad value a 400; either writes nothing.
 */
export const WRITE_LIMITS = {
  /** Vectors in one upsert. */
  upsertVectors: 500,
  /** Ids in one delete. */
  deleteIds: 1000,
  /** UTF-8 bytes of a string id. */
  idBytes: 512,
  /** Characters of a retry token. */
  tokenLength: 128,
} as const;

export const TOKEN_PATTERN = /^[A-Za-z0-9._:-]+$/;
