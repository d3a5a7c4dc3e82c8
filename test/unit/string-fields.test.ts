/**
 * Control characters and lone surrogates (shared/schemas/fields.ts): refused by the shared string
 * bases, so by every field built on them. Free text keeps tab and line breaks; one-line values keep none.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { CreateAppBody } from '../../shared/schemas/app.ts';
import { AbsoluteUrl, CustomDomain, FreeText, Line, NonBlank, RoleId, StringList, Subdomain, Text } from '../../shared/schemas/fields.ts';

const ok = (schema: v.GenericSchema, value: unknown) => v.safeParse(schema, value).success;

const NEVER = [
  ['NUL', '\u0000'],
  ['SOH', '\u0001'],
  ['ESC', '\u001b'],
  ['vertical tab', '\u000b'],
  ['form feed', '\u000c'],
  ['unit separator', '\u001f'],
  ['DEL', '\u007f'],
  ['C1 NEL', '\u0085'],
  ['C1 CSI', '\u009b'],
  ['lone high surrogate', '\ud800'],
  ['lone low surrogate', '\udfff'],
  ['swapped pair', '\udc00\ud800'],
] as const;
const LINE_BREAKS = [
  ['tab', '\t'],
  ['line feed', '\n'],
  ['carriage return', '\r'],
] as const;

describe('the string bases', () => {
  it.each(NEVER)('neither takes %s', (_, char) => {
    for (const at of [`${char}x`, `x${char}`, `a${char}b`, char]) {
      expect(ok(Line, at)).toBe(false);
      expect(ok(FreeText, at)).toBe(false);
    }
  });

  it.each(LINE_BREAKS)('free text takes %s, a line does not', (_, char) => {
    expect(ok(FreeText, `first${char}second`)).toBe(true);
    expect(ok(Line, `first${char}second`)).toBe(false);
  });

  it('both take any well-formed text: accents, CJK, emoji (a surrogate pair), U+00A0 and U+2028', () => {
    for (const text of ['Crème brûlée', '漢字', 'ok 😀 👍🏽', 'a\u00a0b', 'a\u2028b', '']) {
      expect(ok(Line, text), text).toBe(true);
      expect(ok(FreeText, text), text).toBe(true);
    }
  });

  it('say what is wrong', () => {
    expect(v.safeParse(Line, 'a\u0000').issues?.[0]?.message).toBe('Must not contain control characters');
    const freeText = v.safeParse(FreeText, 'a\u0000').issues?.[0]?.message;
    expect(freeText).toBe('Must not contain control characters other than tab and line breaks');
    expect(v.safeParse(Line, 'a\ud800').issues?.[0]?.message).toBe('Must be well-formed Unicode (no lone surrogates)');
  });
});

describe('every shared string schema is built on them', () => {
  const schemas: [string, v.GenericSchema, string][] = [
    ['NonBlank', NonBlank(100), 'name'],
    ['Text', Text(500), 'description'],
    ['AbsoluteUrl', AbsoluteUrl, 'https://example.com/cb'],
    ['RoleId', RoleId, 'role-1'],
    ['Subdomain', Subdomain, 'app'],
    ['CustomDomain', CustomDomain, 'app.example.com'],
  ];
  it.each(schemas)('%s', (_, schema, good) => {
    expect(ok(schema, good)).toBe(true);
    for (const [, char] of NEVER) expect(ok(schema, `${good}${char}`), JSON.stringify(char)).toBe(false);
  });

  it('StringList items', () => {
    expect(ok(StringList, ['openid'])).toBe(true);
    for (const [, char] of NEVER) expect(ok(StringList, ['openid', `x${char}`])).toBe(false);
  });

  it('AbsoluteUrl refuses what the URL parser would quietly drop or encode (tab, newline, NUL)', () => {
    for (const url of ['https://exa\tmple.com/', 'https://example.com/\ncb', 'https://example.com/\u0000']) {
      expect(new URL(url).href).toBeTruthy(); // the WHATWG parser accepts them all
      expect(ok(AbsoluteUrl, url), JSON.stringify(url)).toBe(false);
    }
  });

  it('a NUL deep in a first client is refused with its path', () => {
    const result = v.safeParse(CreateAppBody, {
      app_name: 'a',
      first_client: { name: 'c', redirect_uris: ['https://ok.example.com', 'https://x.example.com/\u0000'] },
    });
    expect(result.issues?.map((issue) => v.getDotPath(issue))).toContain('first_client.redirect_uris.1');
  });
});
