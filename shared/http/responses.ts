/** Success responses of the API handlers, and the If-Match they read. */
import type { ApiResult } from '../middleware/types.ts';
import { type AppRecord, etagOf } from '../model.ts';
import { toAppView } from './app-view.ts';

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult =>
  jsonText(statusCode, JSON.stringify(body), headers);

/** A body already serialized (the list's, built app by app to its byte budget: list-body.ts). */
export const jsonText = (statusCode: number, body: string, headers: Record<string, string> = {}): ApiResult => ({
  statusCode,
  headers,
  body,
});

export const appResponse = (statusCode: number, app: AppRecord, clientSecret?: string): ApiResult =>
  json(statusCode, { result: toAppView(app, clientSecret) }, { ETag: etagOf(app) });

/**
 * `If-Match` as RFC 9110 reads it, turned into the versions it accepts: `*` accepts any (undefined),
 * otherwise a list of (possibly weak) entity tags. A tag that is not one of ours matches no version.
 */
export function versionsFromIfMatch(header: string | undefined): number[] | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  return header
    .split(',')
    .map((tag) => /^"(0|[1-9]\d{0,14})"$/.exec(tag.trim().replace(/^W\//, ''))?.[1])
    .filter((version): version is string => version !== undefined)
    .map(Number);
}
