import { type RemovalPolicy, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface IndexBucketProps {
  /** What `cdk destroy` does with the bucket (`DESTROY` succeeds only on an empty bucket). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The bucket holding every index: private (all public access blocked, ACLs disabled), encrypted with
 * S3-managed keys, and reachable only over TLS 1.2+ (the bucket policy denies other requests).
 * S3-managed keys keep the functions' read grant free of KMS permissions; a customer key would add
 * `kms:Decrypt`.
 */
export class IndexBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: IndexBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: props.removalPolicy,
    });
  }
}
