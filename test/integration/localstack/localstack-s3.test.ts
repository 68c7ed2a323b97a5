import { describe } from 'vitest';
import { s3SemanticsContract } from '../../support/s3-semantics-contract.ts';
import { localStackBucket, localStackTarget } from './localstack-target.ts';

/** The shared S3 semantics contract against LocalStack's S3 (host mode in CI, or Docker). */
const target = localStackTarget();
const title = target.selected
  ? `LocalStack S3 semantics at ${target.endpoint}`
  : `LocalStack S3 semantics (${target.skipReason})`;

describe.skipIf(!target.selected)(title, () => {
  const endpoint = localStackBucket(target.selected ? target.endpoint : '', 'ls-s3');
  s3SemanticsContract(() => endpoint);
});
