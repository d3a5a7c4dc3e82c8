/** Field-level rules of contract §3, shared by the app and client schemas. */
import * as v from 'valibot';

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
  v.string(),
  v.maxLength(2048),
  v.check(isAllowedUrl, 'Must be an absolute https:// URL (http:// only for localhost)'),
);

/** A non-empty string that is not only white space. */
export const NonBlank = (max: number) =>
  v.pipe(v.string(), v.minLength(1), v.maxLength(max), v.check((s) => s.trim().length > 0, 'Must not be blank'));

export const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const Subdomain = v.pipe(
  v.string(),
  v.regex(DNS_LABEL, 'Must be a DNS label: lower-case a-z, 0-9 and inner "-", 1-63 characters'),
);

export const CustomDomain = v.pipe(
  v.string(),
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

export const RoleId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,128}$/, 'Must match [A-Za-z0-9_-]{1,128}'));

export const RoleIds = v.pipe(
  v.array(RoleId),
  v.maxLength(50),
  v.check((ids) => new Set(ids).size === ids.length, 'Role ids must be unique'),
);

export const SupportedPrompts = v.array(v.picklist(['login', 'consent', 'none']));

export const PositiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));

/** Short strings in lists (resources, scopes): bounded so one request cannot store megabytes. */
export const StringList = v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(256))), v.maxLength(50));
