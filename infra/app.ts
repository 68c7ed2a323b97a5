/**
 * The CDK app (`cdk.json`: `npx tsx infra/app.ts`). One environment-agnostic stack, configured from
 * context, so `cdk synth` needs no credentials and gives the same template everywhere.
 */
import { App } from 'aws-cdk-lib';
import { SquashError } from '../shared/errors/index.ts';
import { settingsFromContext } from './context-props.ts';
import { SearchStack } from './search-stack.ts';

try {
  const app = new App();
  const { stackName, props } = settingsFromContext(app.node);
  new SearchStack(app, stackName, props);
  app.synth();
} catch (error) {
  if (!(error instanceof SquashError)) throw error;
  console.error(`squash: ${error.message}`);
  process.exitCode = 1;
}
