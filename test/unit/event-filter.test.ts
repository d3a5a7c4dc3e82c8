/** The local event filter against the examples of the AWS Lambda event-filtering documentation. */
import { describe, expect, it } from 'vitest';
import { anyPatternMatches, patternMatches } from '../../infra/local/stream/event-filter.ts';
import { CLEANUP_FILTER_PATTERNS } from '../../shared/cleanup/event-source.ts';

describe('filter rules (AWS documentation examples)', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>, boolean][] = [
    ['null', { UserID: [null] }, { UserID: null }, true],
    ['null vs missing', { UserID: [null] }, {}, false],
    ['empty', { LastName: [''] }, { LastName: '' }, true],
    ['equals', { Name: ['Alice'] }, { Name: 'Alice' }, true],
    ['equals is case-sensitive', { Name: ['Alice'] }, { Name: 'alice' }, false],
    ['equals-ignore-case', { Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'ALICE' }, true],
    ['and', { Location: ['New York'], Day: ['Monday'] }, { Location: 'New York', Day: 'Monday' }, true],
    ['and, one differs', { Location: ['New York'], Day: ['Monday'] }, { Location: 'New York', Day: 'Tuesday' }, false],
    ['or', { PaymentType: ['Credit', 'Debit'] }, { PaymentType: 'Debit' }, true],
    ['or, none', { PaymentType: ['Credit', 'Debit'] }, { PaymentType: 'Cash' }, false],
    ['or across keys with $or-free lists', { Weather: ['Sunny', 'Cloudy'] }, { Weather: 'Cloudy' }, true],
    ['not', { Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Sunny' }, true],
    ['not, excluded', { Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Raining' }, false],
    ['numeric equals', { Price: [{ numeric: ['=', 100] }] }, { Price: 100 }, true],
    ['numeric range', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 20 }, true],
    ['numeric range, outside', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 10 }, false],
    ['numeric on a string', { Price: [{ numeric: ['>', 10] }] }, { Price: '11' }, false],
    ['exists', { ProductName: [{ exists: true }] }, { ProductName: 'x' }, true],
    ['exists, missing', { ProductName: [{ exists: true }] }, {}, false],
    ['does not exist', { ProductName: [{ exists: false }] }, {}, true],
    ['does not exist, present', { ProductName: [{ exists: false }] }, { ProductName: 'x' }, false],
    ['begins with', { Region: [{ prefix: 'us-' }] }, { Region: 'us-east-1' }, true],
    ['begins with, other', { Region: [{ prefix: 'us-' }] }, { Region: 'eu-west-1' }, false],
    ['ends with', { FileName: [{ suffix: '.png' }] }, { FileName: 'a.png' }, true],
    ['array value: any element', { Tags: ['b'] }, { Tags: ['a', 'b'] }, true],
    [
      'nested',
      { dynamodb: { NewImage: { TopicName: { S: ['TopicA'] } } } },
      { dynamodb: { NewImage: { TopicName: { S: 'TopicA' } } } },
      true,
    ],
    ['nested, missing', { dynamodb: { NewImage: { TopicName: { S: ['TopicA'] } } } }, { dynamodb: {} }, false],
  ];
  it.each(cases)('%s', (_, pattern, record, expected) => {
    expect(patternMatches(pattern, record)).toBe(expected);
  });
});

describe('the cleanup filter', () => {
  const record = (eventName: string, SK: string) => ({ eventName, dynamodb: { Keys: { PK: { S: 'TENANT#t' }, SK: { S: SK } } } });
  it('selects App removals only', () => {
    expect(anyPatternMatches(CLEANUP_FILTER_PATTERNS, record('REMOVE', 'APP#01m8c9'))).toBe(true);
    expect(anyPatternMatches(CLEANUP_FILTER_PATTERNS, record('INSERT', 'APP#01m8c9'))).toBe(false);
    expect(anyPatternMatches(CLEANUP_FILTER_PATTERNS, record('MODIFY', 'APP#01m8c9'))).toBe(false);
    expect(anyPatternMatches(CLEANUP_FILTER_PATTERNS, record('REMOVE', 'ROLE#r1'))).toBe(false);
    expect(anyPatternMatches(CLEANUP_FILTER_PATTERNS, record('REMOVE', 'CLAIM'))).toBe(false);
    expect(anyPatternMatches(CLEANUP_FILTER_PATTERNS, record('REMOVE', 'CLIENT#c'))).toBe(false);
  });
});
