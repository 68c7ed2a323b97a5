/**
 * Resolves CloudFormation intrinsic functions to local values: Ref, Fn::GetAtt, Fn::Join, Fn::Sub,
 * Fn::Select and Fn::Split. What a Ref or GetAtt means locally is the caller's `IntrinsicContext`.
 * Anything else (Fn::ImportValue, Fn::If, …) is an error naming the resource and property.
 */
import { InvalidInputError } from '../../shared/errors/index.ts';

export interface IntrinsicContext {
  /** The local value of `Ref: name` (a resource, a parameter or a pseudo parameter), if it has one. */
  ref(name: string): string | undefined;
  /** The local value of `Fn::GetAtt: [logicalId, attribute]`, if it has one. */
  getAtt(logicalId: string, attribute: string): string | undefined;
}

type Resolved = string | string[];

const SUPPORTED = 'Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select and Fn::Split';

/** `where` names the resource and property, e.g. "resource `Fn` property `Environment.Variables.X`". */
export function resolveString(value: unknown, context: IntrinsicContext, where: string): string {
  const resolved = resolveValue(value, context, where);
  if (typeof resolved !== 'string') throw new InvalidInputError(`${where}: expected a string, got a list`);
  return resolved;
}

function resolveValue(value: unknown, context: IntrinsicContext, where: string): Resolved {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((item) => resolveString(item, context, where));
  if (typeof value !== 'object' || value === null) {
    throw new InvalidInputError(
      `${where}: expected a string or an intrinsic function, got ${JSON.stringify(value)}`,
    );
  }
  const entries = Object.entries(value);
  const [name, argument] = entries[0] ?? [];
  if (entries.length !== 1 || name === undefined) {
    throw new InvalidInputError(`${where}: expected one intrinsic function, got ${JSON.stringify(value)}`);
  }
  const fail = (problem: string): never => {
    throw new InvalidInputError(`${where}: ${name} ${problem}`);
  };
  switch (name) {
    case 'Ref': {
      if (typeof argument !== 'string') return fail('expects a logical id');
      return context.ref(argument) ?? fail(`to \`${argument}\` has no local value`);
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
      if (typeof logicalId !== 'string' || typeof attribute !== 'string')
        return fail('expects [logicalId, attribute]');
      return context.getAtt(logicalId, attribute) ?? fail(`\`${logicalId}.${attribute}\` has no local value`);
    }
    case 'Fn::Join': {
      const [separator, items] = Array.isArray(argument) ? argument : [];
      const list = resolveValue(items, context, where);
      if (typeof separator !== 'string' || !Array.isArray(list)) return fail('expects [separator, list]');
      return list.join(separator);
    }
    case 'Fn::Select': {
      const [index, items] = Array.isArray(argument) ? argument : [];
      const list = resolveValue(items, context, where);
      const item = Array.isArray(list) ? list[Number(resolveValue(index, context, where))] : undefined;
      return item ?? fail(`index ${JSON.stringify(index)} is out of range`);
    }
    case 'Fn::Split': {
      const [separator, text] = Array.isArray(argument) ? argument : [];
      if (typeof separator !== 'string') return fail('expects [separator, string]');
      return resolveString(text, context, where).split(separator);
    }
    case 'Fn::Sub': {
      const [template, variables = {}] = Array.isArray(argument) ? argument : [argument];
      if (typeof template !== 'string' || typeof variables !== 'object')
        return fail('expects a string or [string, variables]');
      return template.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, reference: string) => {
        if (literal === '!') return `\${${reference}}`;
        const variable = (variables as Record<string, unknown>)[reference];
        if (variable !== undefined) return resolveString(variable, context, where);
        const dot = reference.indexOf('.');
        return dot < 0
          ? (context.ref(reference) ?? fail(`reference \`${reference}\` has no local value`))
          : (context.getAtt(reference.slice(0, dot), reference.slice(dot + 1)) ??
              fail(`reference \`${reference}\` has no local value`));
      });
    }
    default:
      return fail(`is not supported locally (supported: ${SUPPORTED})`);
  }
}
