/**
 * The attribute schema: which attributes an index declares and of which kind. It arrives as a JSON file
 * (`{"attributes":[{"name":"price","kind":"number"}]}`), is inferred from the rows when absent
 * (`infer-schema.ts`) and is stored in the manifest. Attribute order is significant: it is the attribute
 * index used by the table, the quantizer's A × n codes and the compiled filters.
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors/index.ts';
import { describeValue, isPlainObject } from './describe-value.ts';

export const ATTRIBUTE_KINDS = ['number', 'category', 'tags'] as const;

/** `number`: float64 values; `category`: one string (dictionary-coded); `tags`: a set of strings. */
export type AttributeKind = (typeof ATTRIBUTE_KINDS)[number];

export interface AttributeDefinition {
  readonly name: string;
  readonly kind: AttributeKind;
}

export interface AttributeSchema {
  readonly attributes: readonly AttributeDefinition[];
}

/** Names are non-empty and never start with `$`, which the filter language reserves for operators. */
export const attributeNameSchema = z
  .string()
  .min(1, 'attribute names must not be empty')
  .refine(
    (name) => !name.startsWith('$'),
    'attribute names must not start with `$` (reserved for operators)',
  );

export const attributeSchemaSchema = z
  .strictObject({
    attributes: z.array(z.strictObject({ name: attributeNameSchema, kind: z.enum(ATTRIBUTE_KINDS) })),
  })
  .superRefine((schema, context) => {
    const seen = new Set<string>();
    schema.attributes.forEach(({ name }, index) => {
      if (seen.has(name)) {
        context.addIssue({
          code: 'custom',
          path: ['attributes', index, 'name'],
          message: `attribute \`${name}\` is declared twice`,
        });
      }
      seen.add(name);
    });
  });

/** Validates a schema file's JSON; InvalidInputError listing every problem with its path. */
export function parseSchema(json: unknown): AttributeSchema {
  const result = attributeSchemaSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`));
    const where = path.join('').replace(/^\./, '') || '(root)';
    const received = valueAt(json, issue.path);
    const shown =
      typeof received === 'string' && !issue.message.includes('received')
        ? `, received ${describeValue(received)}`
        : '';
    return `${where}: ${issue.message}${shown}`;
  });
  throw new InvalidInputError(
    `attribute schema: ${problems.join('; ')}; expected {"attributes": [{"name": "price", "kind": "number" | "category" | "tags"}, …]}`,
  );
}

/** The index of `name` in the schema, or -1. */
export function attributeIndex(schema: AttributeSchema, name: string): number {
  return schema.attributes.findIndex((attribute) => attribute.name === name);
}

/** "price, color" — for messages that list what would have been accepted. */
export function attributeNames(schema: AttributeSchema): string {
  return schema.attributes.length === 0 ? '(none)' : schema.attributes.map((a) => a.name).join(', ');
}

/** Two schemas declare the same attributes, in the same order, of the same kinds. */
export function sameSchema(a: AttributeSchema, b: AttributeSchema): boolean {
  return (
    a.attributes.length === b.attributes.length &&
    a.attributes.every((x, i) => x.name === b.attributes[i]!.name && x.kind === b.attributes[i]!.kind)
  );
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let value = json;
  for (const part of path) {
    if (!isPlainObject(value) && !Array.isArray(value)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}
