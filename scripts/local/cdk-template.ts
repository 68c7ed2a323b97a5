/**
 * The local function table of a synthesized stack: every `AWS::Lambda::Function` becomes a
 * `LocalFunction` running its bundled asset (`aws:asset:path` metadata → `cdk.out/asset.<hash>`),
 * with handler, runtime, memory, timeout, reserved concurrency and environment variables whose
 * references are resolved to local values:
 *
 * - Ref to a bucket → its local name (`BucketName`, or `<stack>-<logical id>` lower-cased);
 * - Ref to a function → its name (`FunctionName`, or the logical id); GetAtt Arn → a fake ARN
 *   `arn:aws:lambda:us-east-1:000000000000:function:<name>`;
 * - GetAtt of a Function URL → the URL its local listener got (the caller starts those first, from
 *   `functionUrlTargets`); pseudo parameters → the local account, region and stack name.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidInputError } from '../../shared/errors/index.ts';
import type { CdkStack, CfnResource } from './cdk-assembly.ts';
import { type IntrinsicContext, resolveString } from './cdk-intrinsics.ts';
import { functionNameOf } from './function-name.ts';
import { functionArn, LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalFunction } from './lambda-function.ts';

export interface LocalBucket {
  readonly logicalId: string;
  readonly name: string;
}

export interface LocalFunctionUrlTarget {
  readonly logicalId: string;
  readonly functionName: string;
  readonly authType: string;
}

export interface LocalTemplateFunction extends LocalFunction {
  readonly logicalId: string;
}

export interface LocalFunctionTable {
  readonly stackName: string;
  readonly buckets: readonly LocalBucket[];
  readonly functions: readonly LocalTemplateFunction[];
  readonly functionUrls: readonly LocalFunctionUrlTarget[];
}

/** The Function URLs of the stack and the functions they front (needed before `functionTable`). */
export function functionUrlTargets(stack: CdkStack): LocalFunctionUrlTarget[] {
  const context = localContext(stack, new Map());
  return resourcesOfType(stack, 'AWS::Lambda::Url').map(([logicalId, resource]) => {
    const where = `resource \`${logicalId}\` property \`TargetFunctionArn\``;
    const target = resolveString(resource.Properties?.TargetFunctionArn, context, where);
    const functionName = functionNameOf(target);
    if (functionName === undefined) throw new InvalidInputError(`${where}: \`${target}\` names no function`);
    return { logicalId, functionName, authType: String(resource.Properties?.AuthType ?? 'AWS_IAM') };
  });
}

/** `functionUrls` maps each `AWS::Lambda::Url` logical id to the URL of its local listener. */
export function functionTable(
  stack: CdkStack,
  functionUrls: ReadonlyMap<string, string> = new Map(),
): LocalFunctionTable {
  const context = localContext(stack, functionUrls);
  const buckets = resourcesOfType(stack, 'AWS::S3::Bucket').map(([logicalId]) => ({
    logicalId,
    name: context.ref(logicalId)!,
  }));
  const functions = resourcesOfType(stack, 'AWS::Lambda::Function').map(([logicalId, resource]) =>
    localFunction(stack, logicalId, resource, context),
  );
  return { stackName: stack.stackName, buckets, functions, functionUrls: functionUrlTargets(stack) };
}

function localFunction(
  stack: CdkStack,
  logicalId: string,
  resource: CfnResource,
  context: IntrinsicContext,
): LocalTemplateFunction {
  const properties = resource.Properties ?? {};
  const where = (property: string) => `resource \`${logicalId}\` property \`${property}\``;
  const assetPath = resource.Metadata?.['aws:asset:path'];
  if (typeof assetPath !== 'string') {
    throw new InvalidInputError(
      `function \`${logicalId}\` has no \`aws:asset:path\` metadata (inline or prebuilt S3 code); the local stack runs only CDK assets`,
    );
  }
  const codeDirectory = resolve(stack.assemblyDirectory, assetPath);
  if (!existsSync(codeDirectory)) {
    throw new InvalidInputError(
      `function \`${logicalId}\`: asset directory ${codeDirectory} is missing; run \`npx cdk synth --quiet\` again`,
    );
  }
  const variables =
    (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    environment[name] = resolveString(value, context, where(`Environment.Variables.${name}`));
  }
  const number = (property: string): number | undefined => {
    const value = properties[property];
    return value === undefined ? undefined : Number(resolveString(value, context, where(property)));
  };
  return {
    logicalId,
    name: context.ref(logicalId)!,
    handler: resolveString(properties.Handler, context, where('Handler')),
    runtime: resolveString(properties.Runtime, context, where('Runtime')),
    codeDirectory,
    memoryMiB: number('MemorySize') ?? 128,
    timeoutSeconds: number('Timeout') ?? 3,
    reservedConcurrency: number('ReservedConcurrentExecutions'),
    environment,
  };
}

function localContext(stack: CdkStack, functionUrls: ReadonlyMap<string, string>): IntrinsicContext {
  const resources = stack.template.Resources ?? {};
  const parameters = stack.template.Parameters ?? {};
  const pseudo: Record<string, string> = {
    'AWS::AccountId': LOCAL_ACCOUNT_ID,
    'AWS::Region': LOCAL_REGION,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stack.stackName,
    'AWS::StackId': `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stack/${stack.stackName}/local`,
  };
  const context: IntrinsicContext = {
    ref(name) {
      if (pseudo[name] !== undefined) return pseudo[name];
      const resource = resources[name];
      if (resource === undefined) {
        const fallback = parameters[name]?.Default;
        return fallback === undefined ? undefined : String(fallback);
      }
      const named = (property: string) => {
        const value = resource.Properties?.[property];
        return value === undefined
          ? undefined
          : resolveString(value, context, `resource \`${name}\` property \`${property}\``);
      };
      if (resource.Type === 'AWS::S3::Bucket')
        return named('BucketName') ?? localBucketName(stack.stackName, name);
      if (resource.Type === 'AWS::Lambda::Function') return named('FunctionName') ?? name;
      return undefined;
    },
    getAtt(logicalId, attribute) {
      const type = resources[logicalId]?.Type;
      if (type === 'AWS::Lambda::Function' && attribute === 'Arn')
        return functionArn(context.ref(logicalId)!);
      if (type === 'AWS::S3::Bucket' && attribute === 'Arn') return `arn:aws:s3:::${context.ref(logicalId)}`;
      if (type === 'AWS::Lambda::Url' && attribute === 'FunctionUrl') return functionUrls.get(logicalId);
      if (type === 'AWS::Lambda::Url' && attribute === 'FunctionArn') {
        return resolveString(
          resources[logicalId]?.Properties?.TargetFunctionArn,
          context,
          `resource \`${logicalId}\``,
        );
      }
      return undefined;
    },
  };
  return context;
}

function localBucketName(stackName: string, logicalId: string): string {
  const name = `${stackName}-${logicalId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63);
  return name.replace(/^-+|-+$/g, '');
}

function resourcesOfType(stack: CdkStack, type: string): [string, CfnResource][] {
  return Object.entries(stack.template.Resources ?? {}).filter(([, resource]) => resource.Type === type);
}
