/** Field-level rules of contract §3, shared by the app and client schemas. */
import * as v from 'valibot';

/**
 * The two bases every string a caller sets starts from (not a bare `v.string()`). What is stored is
 * shown to browsers, written to logs, exported and handed to other systems, where a NUL truncates, an
 * escape sequence reaches a terminal, a line break forges a log line and a lone surrogate (not UTF-8 at
 * all) breaks the next encoder. So:
 * - no lone surrogate anywhere;
 * - one-line values (names, ids, URLs, list items): no control character at all (C0, DEL, C1);
 * - free text (descriptions): tab, line feed and carriage return are prose, every other control
 *   character is refused, NUL included.
 */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
const CONTROL_BUT_TAB_AND_LINE_BREAKS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

const WellFormed = v.pipe(
  v.string(),
  v.check((s) => !LONE_SURROGATE.test(s), 'Must be well-formed Unicode (no lone surrogates)'),
);

/** One line of text: no control character, no lone surrogate. */
export const Line = v.pipe(
  WellFormed,
  v.check((s) => !CONTROL.test(s), 'Must not contain control characters'),
);

/** Free text: like `Line`, but tab and line breaks allowed. */
export const FreeText = v.pipe(
  WellFormed,
  v.check((s) => !CONTROL_BUT_TAB_AND_LINE_BREAKS.test(s), 'Must not contain control characters other than tab and line breaks'),
);

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isAllowedUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  // Plain http only for a developer's own machine, never for a reachable host.
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

export const AbsoluteUrl = v.pipe(
  Line,
  v.maxLength(2048),
  v.check(isAllowedUrl, 'Must be an absolute https:// URL (http:// only for localhost)'),
);

/** A non-empty string that is not only white space. */
export const NonBlank = (max: number) =>
  v.pipe(
    Line,
    v.minLength(1),
    v.maxLength(max),
    v.check((s) => s.trim().length > 0, 'Must not be blank'),
  );

/** Free text of at most `max` characters (descriptions). */
export const Text = (max: number) => v.pipe(FreeText, v.maxLength(max));

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const Subdomain = v.pipe(Line, v.regex(DNS_LABEL, 'Must be a DNS label: lower-case a-z, 0-9 and inner "-", 1-63 characters'));

export const CustomDomain = v.pipe(
  Line,
  v.maxLength(253),
  v.check((host) => {
    const labels = host.split('.');
    return labels.length >= 2 && labels.every((label) => DNS_LABEL.test(label));
  }, 'Must be a lower-case host name with at least two labels'),
);

export const PkceMode = v.picklist([
  'enforcePkceInsteadOfClientCredentials',
  'enforcePkceAlongsideClientCredentials',
  'allowPkceAlongsideClientCredentials',
]);

export const RoleId = v.pipe(Line, v.regex(/^[A-Za-z0-9_-]{1,128}$/, 'Must match [A-Za-z0-9_-]{1,128}'));

export const RoleIds = v.pipe(
  v.array(RoleId),
  v.maxLength(50),
  v.check((ids) => new Set(ids).size === ids.length, 'Role ids must be unique'),
);

export const SupportedPrompts = v.array(v.picklist(['login', 'consent', 'none']));

export const PositiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));

/** Short strings in lists (resources, scopes): bounded so one request cannot store megabytes. */
export const StringList = v.pipe(v.array(v.pipe(Line, v.minLength(1), v.maxLength(256))), v.maxLength(50));
