export * from './generate-dataset.ts';
export * from './generate-queries.ts';
export * from './selectivity-filter.ts';
export * from './synthetic-attributes.ts';
