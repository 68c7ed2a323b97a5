/**
 * Physical function names, derived from the stack name.
 *
 * Why fixed names: the allocator must know its own name (tree nodes invoke it recursively), the
 * compactor gets the writers' environment that names it, and a function cannot `Ref` itself in its
 * own environment or IAM policy (CloudFormation rejects the cycle). A name derived from the stack name breaks the cycle, and giving every function one keeps
 * logs readable and lets the stack check the size of the environment it writes. The cost: two stacks
 * of the same name cannot share an account and region, and a change that replaces a function must go
 * with a rename.
 */
import { InvalidInputError } from '../shared/errors/index.ts';

export interface FunctionNames {
  readonly coordinator: string;
  readonly allocator: string;
  /** Index p is the function serving partitions p, p + G, p + 2G, … */
  readonly processors: readonly string[];
  readonly compactor: string;
  /** Runs the tasks of a build fanned out over Lambda (docs/build-on-lambda.md). */
  readonly builder: string;
}

const MAX_FUNCTION_NAME = 64;

export function functionNames(stackName: string, processorFunctions: number): FunctionNames {
  const names = {
    coordinator: `${stackName}-coordinator`,
    allocator: `${stackName}-allocator`,
    processors: Array.from({ length: processorFunctions }, (_, p) => `${stackName}-processor-${p}`),
    compactor: `${stackName}-compactor`,
    builder: `${stackName}-builder`,
  };
  for (const name of [
    names.coordinator,
    names.allocator,
    ...names.processors,
    names.compactor,
    names.builder,
  ]) {
    if (name.length > MAX_FUNCTION_NAME) {
      throw new InvalidInputError(
        `function name \`${name}\` is ${name.length} characters; Lambda allows ${MAX_FUNCTION_NAME}. ` +
          `Use a stack name of at most ${stackName.length - (name.length - MAX_FUNCTION_NAME)} characters`,
      );
    }
    if (!/^[A-Za-z0-9_-]+$/.test(name)) {
      throw new InvalidInputError(`function name \`${name}\` may only hold letters, digits, \`-\` and \`_\``);
    }
  }
  return names;
}
