export { type CdkStack, readCdkStack } from './cdk-assembly.ts';
export { type SynthMode, synthesizeIfNeeded } from './cdk-synth.ts';
export {
  functionTable,
  functionUrlTargets,
  type LocalBucket,
  type LocalFunctionTable,
  type LocalFunctionUrlTarget,
  type LocalTemplateFunction,
} from './cdk-template.ts';
export {
  type FunctionErrorBody,
  type FunctionStats,
  functionArn,
  type LocalFunction,
} from './lambda-function.ts';
export { type LambdaHost, type LambdaHostOptions, startLambdaHost } from './lambda-host.ts';
export {
  type LocalStack,
  type LocalStackEnv,
  type LocalStackOptions,
  startLocalStack,
} from './local-stack.ts';
export { LOCAL_USAGE, runLocalCommand } from './main.ts';
export { type NodeBinary, nodeBinaryFor } from './node-binary.ts';
export { type S3Server, type S3ServerOptions, startS3Server } from './s3-server.ts';
