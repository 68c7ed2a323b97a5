/**
 * Fast synths for assertion tests: bundling skipped (`aws:cdk:bundling-stacks: []`), the built-in
 * CloudFormation validation off, and a fresh `App` per stack (two `Template.fromStack` calls on one App
 * fail). The context of `cdk.json` is applied as the CLI would, so tests see the flags a real synth sees.
 *
 * Every App of a test file writes into one temporary folder, removed after the file's tests: an App
 * without `outdir` makes a new `cdk.out*` folder in the system temp directory on every synth and never
 * removes it (a run of `npm test` used to leave dozens). Synths are synchronous and each test file runs
 * in its own module scope, so sharing the folder within a file is safe.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type AppProps, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll } from 'vitest';
import { settingsFromContext } from '../../infra/context-props.ts';
import { PROJECT_ROOT } from '../../infra/project-root.ts';
import { SearchStack } from '../../infra/search-stack.ts';
import type { SearchStackProps } from '../../infra/search-stack-props.ts';

const cdkJson = JSON.parse(readFileSync(`${PROJECT_ROOT}cdk.json`, 'utf8')) as { context?: object };

let outdir: string | undefined;

/** This test file's synth folder, created on first use. */
function testOutdir(): string {
  outdir ??= mkdtempSync(join(tmpdir(), 'squash-infra-cdk.out-'));
  return outdir;
}

// Registered while the importing test file is collected, so it runs after that file's tests.
afterAll(() => {
  if (outdir !== undefined) rmSync(outdir, { recursive: true, force: true });
  outdir = undefined;
});

/** An App for tests: `cdk.json`'s context, bundling skipped, output in this file's temporary folder. */
export function testApp(context: Readonly<Record<string, unknown>> = {}, props: AppProps = {}): App {
  return new App({
    builtinCloudFormationValidation: false,
    outdir: testOutdir(),
    ...props,
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context },
  });
}

export interface Synthesized {
  readonly stack: SearchStack;
  readonly template: Template;
}

export function synthStack(props: SearchStackProps = {}, stackName = 'Squash'): Synthesized {
  const stack = new SearchStack(testApp(), stackName, props);
  return { stack, template: Template.fromStack(stack) };
}

/** What `infra/app.ts` does, with `context` as given by `cdk synth -c key=value`. */
export function synthFromContext(context: Readonly<Record<string, unknown>>): Synthesized {
  const app = testApp(context);
  const { stackName, props } = settingsFromContext(app.node);
  const stack = new SearchStack(app, stackName, props);
  return { stack, template: Template.fromStack(stack) };
}

export function logicalId(stack: SearchStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped
export type Json = any;

/**
 * Renders CloudFormation intrinsics as readable strings so that tests can compare ARNs exactly:
 * `{ "Fn::GetAtt": ["Fn1", "Arn"] }` → `${Fn1.Arn}`, `{ "Ref": "AWS::Region" }` → `${AWS::Region}`,
 * `Fn::Join` → the joined parts.
 */
export function render(value: Json): string {
  if (typeof value === 'string') return value;
  if (value?.Ref !== undefined) return `\${${value.Ref}}`;
  if (value?.['Fn::GetAtt'] !== undefined) return `\${${value['Fn::GetAtt'].join('.')}}`;
  if (value?.['Fn::Join'] !== undefined) {
    const [separator, parts] = value['Fn::Join'] as [string, Json[]];
    return parts.map(render).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * Whether an IAM resource pattern matches a value as IAM evaluates it: `*` matches any run of
 * characters (`/` included), `?` any one character, everything else itself.
 */
export function iamPatternMatches(pattern: string, value: string): boolean {
  const source = [...pattern]
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}
