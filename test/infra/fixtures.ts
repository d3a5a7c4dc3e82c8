/** A synthesized stack without bundling (about 0.2 s instead of seconds): for assertions only. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { buildApp } from '../../infra/app.ts';

export function synthWithoutTemplate(context: Record<string, unknown> = {}) {
  return buildApp(new App({ context: { ...cdkJson.context, ...context, 'aws:cdk:bundling-stacks': [] } }));
}

export function synth(context: Record<string, unknown> = {}) {
  const { app, stack } = synthWithoutTemplate(context);
  return { app, stack, template: Template.fromStack(stack) };
}

/** Logical id of the Lambda function with this description (the cleanup's). */
export function functionIdOf(template: Template, description: string): string {
  const [id] = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Description: description } }));
  if (!id) throw new Error(`no function described "${description}"`);
  return id;
}

/** Logical id of an API function, by its name in the route table (`readApps` → `readAppsFunction…`). */
export function apiFunctionIdOf(template: Template, name: string): string {
  const ids = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith(`${name}Function`));
  if (ids.length !== 1) throw new Error(`expected one function ${name}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}
