/**
 * Finds the CloudFormation template of the stack to run locally in a synthesized cloud assembly
 * (`cdk.out`): `manifest.json` lists the `aws:cloudformation:stack` artifacts; nested assemblies
 * (CDK stages, `cdk:cloud-assembly`) are followed. Without a stack name, the one stack that declares
 * Lambda functions is taken.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidInputError } from '../../shared/errors/index.ts';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly Metadata?: Readonly<Record<string, unknown>>;
}

export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Parameters?: Readonly<Record<string, { readonly Default?: unknown }>>;
}

export interface CdkStack {
  readonly stackName: string;
  /** The directory asset paths (`asset.<hash>`) are relative to. */
  readonly assemblyDirectory: string;
  readonly templatePath: string;
  readonly template: CfnTemplate;
}

interface ManifestArtifact {
  readonly type?: string;
  readonly displayName?: string;
  readonly properties?: {
    readonly templateFile?: string;
    readonly stackName?: string;
    readonly directoryName?: string;
  };
}

export function readCdkStack(cdkOut: string, stackName?: string): CdkStack {
  const stacks = listStacks(resolve(cdkOut));
  if (stackName !== undefined) {
    const stack = stacks.find((candidate) => candidate.stackName === stackName);
    if (stack === undefined) {
      throw new InvalidInputError(
        `stack \`${stackName}\` is not in ${cdkOut}; it holds: ${stacks.map((s) => s.stackName).join(', ') || 'no stack'}`,
      );
    }
    return stack;
  }
  const withFunctions = stacks.filter((stack) =>
    Object.values(stack.template.Resources ?? {}).some(
      (resource) => resource.Type === 'AWS::Lambda::Function',
    ),
  );
  if (withFunctions.length !== 1) {
    throw new InvalidInputError(
      `expected exactly one stack with Lambda functions in ${cdkOut}, found ${withFunctions.length} ` +
        `(${withFunctions.map((s) => s.stackName).join(', ') || 'none'}); name the stack to run`,
    );
  }
  return withFunctions[0]!;
}

function listStacks(directory: string): CdkStack[] {
  const manifestPath = join(directory, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new InvalidInputError(
      `no synthesized CDK app at ${directory} (manifest.json is missing); run \`npx cdk synth --quiet\` first`,
    );
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, ManifestArtifact>;
  };
  const stacks: CdkStack[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    const properties = artifact.properties ?? {};
    if (artifact.type === 'cdk:cloud-assembly' && properties.directoryName !== undefined) {
      stacks.push(...listStacks(join(directory, properties.directoryName)));
    } else if (artifact.type === 'aws:cloudformation:stack' && properties.templateFile !== undefined) {
      const templatePath = join(directory, properties.templateFile);
      stacks.push({
        stackName: properties.stackName ?? artifact.displayName ?? id,
        assemblyDirectory: directory,
        templatePath,
        template: JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate,
      });
    }
  }
  return stacks;
}
