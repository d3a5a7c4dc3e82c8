/** The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this with tsx). */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readDeploymentConfig } from './config.ts';
import { ManagementAppsStack } from './stack.ts';

export function buildApp(app: App = new App()): { app: App; stack: ManagementAppsStack } {
  const config = readDeploymentConfig(app.node);
  const stack = new ManagementAppsStack(app, `ManagementApps-${config.stage}`, {
    config,
    description: 'Management Apps API (HTTP API, Lambda, DynamoDB)',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
