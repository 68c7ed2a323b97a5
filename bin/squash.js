#!/usr/bin/env node
// The CLI is written in TypeScript; tsx compiles it on the fly so `npx squash` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/cli/main.ts');
