/** The template intrinsic resolver: local names and ARNs for a table, functions, roles, pseudo parameters. */
import { describe, expect, it } from 'vitest';
import { type CloudFormationTemplate, createResolver } from '../../infra/local/bundled/intrinsics.ts';

const template: CloudFormationTemplate = {
  Resources: {
    Table: { Type: 'AWS::DynamoDB::Table' },
    Fn: { Type: 'AWS::Lambda::Function' },
    Role: { Type: 'AWS::IAM::Role' },
    Queue: { Type: 'AWS::SQS::Queue' },
  },
};
const resolve = createResolver(template, { tables: { Table: 'apps-local' }, functions: { Fn: 'createApp' } });

describe('intrinsics', () => {
  it('Ref and Fn::GetAtt give the local names and ARNs', () => {
    expect(resolve({ Ref: 'Table' })).toBe('apps-local');
    expect(resolve({ 'Fn::GetAtt': ['Table', 'Arn'] })).toBe('arn:aws:dynamodb:local:000000000000:table/apps-local');
    expect(resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toBe('arn:aws:dynamodb:local:000000000000:table/apps-local/stream/local');
    expect(resolve({ 'Fn::GetAtt': 'Fn.Arn' })).toBe('arn:aws:lambda:local:000000000000:function:createApp');
    expect(resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe('arn:aws:iam::000000000000:role/Role');
    expect(resolve({ Ref: 'Queue' })).toBe('Queue');
  });

  it('pseudo parameters, Join, Select, Split and Sub, inside arrays and objects', () => {
    const statement = {
      Resource: [
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':dynamodb:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':table/x'],
          ],
        },
        { 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': ['Table', 'Arn'] }] }] },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a JS template
        { 'Fn::Sub': '${Table.Arn}/index/*' },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a JS template
        { 'Fn::Sub': ['${Name}-${AWS::URLSuffix}', { Name: { Ref: 'Table' } }] },
      ],
    };
    expect(resolve(statement)).toEqual({
      Resource: [
        'arn:aws:dynamodb:local:000000000000:table/x',
        'apps-local',
        'arn:aws:dynamodb:local:000000000000:table/apps-local/index/*',
        'apps-local-amazonaws.com',
      ],
    });
  });

  it('refuses what it cannot resolve, naming it', () => {
    expect(() => resolve({ 'Fn::ImportValue': 'x' })).toThrow('Fn::ImportValue is not supported locally');
    expect(() => resolve({ Ref: 'Missing' })).toThrow('no resource Missing');
  });
});
