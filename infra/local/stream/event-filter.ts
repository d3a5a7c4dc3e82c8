/**
 * Lambda event filtering, for the local event source mapping: a record is delivered when ANY pattern
 * matches; a pattern matches when EVERY key in it matches; a leaf is a list of alternatives (exact
 * values, or `prefix`, `suffix`, `equals-ignore-case`, `exists`, `anything-but`, `numeric`). A record
 * value that is a list matches when any element does. Values are compared in their typed form
 * (`dynamodb.Keys.SK.S`), as Lambda does for DynamoDB records.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type FilterPattern = { readonly [key: string]: unknown };

const NUMERIC: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numericMatches(conditions: unknown[], value: unknown): boolean {
  if (typeof value !== 'number') return false;
  for (let i = 0; i < conditions.length; i += 2) {
    const compare = NUMERIC[String(conditions[i])];
    if (!compare?.(value, Number(conditions[i + 1]))) return false;
  }
  return true;
}

function scalarMatches(alternative: unknown, value: unknown): boolean {
  if (alternative === null || typeof alternative !== 'object') return value === alternative;
  const rule = alternative as Record<string, unknown>;
  if ('prefix' in rule) return typeof value === 'string' && value.startsWith(String(rule.prefix));
  if ('suffix' in rule) return typeof value === 'string' && value.endsWith(String(rule.suffix));
  if ('equals-ignore-case' in rule) {
    return typeof value === 'string' && value.toLowerCase() === String(rule['equals-ignore-case']).toLowerCase();
  }
  if ('numeric' in rule) return numericMatches(rule.numeric as unknown[], value);
  if ('anything-but' in rule) {
    const excluded = rule['anything-but'];
    if (value === undefined) return false;
    if (Array.isArray(excluded)) return !excluded.includes(value);
    if (excluded && typeof excluded === 'object' && 'prefix' in excluded) {
      return typeof value === 'string' && !value.startsWith(String((excluded as { prefix: unknown }).prefix));
    }
    return value !== excluded;
  }
  throw new Error(`Unsupported filter rule: ${JSON.stringify(rule)}`);
}

function leafMatches(alternatives: unknown[], value: Json | undefined): boolean {
  return alternatives.some((alternative) => {
    if (alternative && typeof alternative === 'object' && 'exists' in alternative) {
      return (alternative as { exists: boolean }).exists === (value !== undefined);
    }
    if (Array.isArray(value)) return value.some((element) => scalarMatches(alternative, element));
    return scalarMatches(alternative, value);
  });
}

export function patternMatches(pattern: FilterPattern, value: unknown): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const field = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, Json>)[key] : undefined;
    if (Array.isArray(rule)) return leafMatches(rule, field);
    if (rule !== null && typeof rule === 'object') {
      // A nested pattern over a missing field only matches if it asks for absence throughout.
      return patternMatches(rule as FilterPattern, field ?? {});
    }
    throw new Error(`Filter values must be arrays or objects: ${key}`);
  });
}

export function anyPatternMatches(patterns: readonly FilterPattern[], record: unknown): boolean {
  return patterns.some((pattern) => patternMatches(pattern, record));
}
