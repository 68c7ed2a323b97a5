import type { AttributeSchema } from '../../../shared/attributes/index.ts';

/** One attribute of each kind, in this order: the schema of the hand-written rows in the unit tests. */
export const schema: AttributeSchema = {
  attributes: [
    { name: 'price', kind: 'number' },
    { name: 'color', kind: 'category' },
    { name: 'tags', kind: 'tags' },
  ],
};
