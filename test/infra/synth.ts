/**
 * Fast synths for assertion tests: bundling skipped (`aws:cdk:bundling-stacks: []`), the built-in
 * CloudFormation validation off, and a fresh `App` per stack (two `Template.fromStack` calls on one App
 * fail). The context of `cdk.json` is applied as the CLI would, so tests see the flags a real synth sees.
 */
import { readFileSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { settingsFromContext } from '../../infra/context-props.ts';
import { PROJECT_ROOT } from '../../infra/project-root.ts';
import { SearchStack } from '../../infra/search-stack.ts';
import type { SearchStackProps } from '../../infra/search-stack-props.ts';

const cdkJson = JSON.parse(readFileSync(`${PROJECT_ROOT}cdk.json`, 'utf8')) as { context?: object };

function testApp(context: Readonly<Record<string, unknown>> = {}): App {
  return new App({
    builtinCloudFormationValidation: false,
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
