import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding `package.json`), whatever the working directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
