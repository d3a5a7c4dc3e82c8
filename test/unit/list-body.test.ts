/**
 * The list body's byte budget (contract §5), at its exact edge: the apps, the commas and the envelope
 * with its `next_cursor` all count, weighed as Lambda's response payload carries the body (a JSON string,
 * so each `"` counts twice). Sizes here are measured with JSON.stringify and Buffer, not with the module.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { toAppView } from '../../shared/http/app-view.ts';
import { encodeCursor } from '../../shared/http/cursor.ts';
import { LIST_BODY_BUDGET, ListBody } from '../../shared/http/list-body.ts';
import type { AppRecord } from '../../shared/model.ts';
import { CreateAppBody } from '../../shared/schemas/app.ts';
import { newApp } from '../../shared/service/app-service.ts';

const actor = { tenantId: 'tenant-1', subject: 'user-1' };
let n = 0;
function app(body: Record<string, unknown> = {}): AppRecord {
  n++;
  const plan = { appId: `app${String(n).padStart(23, '0')}`, clientId: `client${n}`, clientSecret: 'x' };
  return newApp(actor, v.parse(CreateAppBody, { app_name: `app ${n}`, ...body }), plan, new Date(Date.UTC(2026, 0, 1, 0, 0, n)));
}

/** What the body weighs inside the Lambda response payload: the JSON string of the body, without its quotes. */
const payloadBytes = (body: string) => Buffer.byteLength(JSON.stringify(body)) - 2;
const bodyOf = (apps: AppRecord[], last?: AppRecord) =>
  JSON.stringify({ result: apps.map((a) => toAppView(a)), ...(last ? { next_cursor: encodeCursor(last.app_id) } : {}) });

describe('the list body', () => {
  it('is 5,000,000 bytes at most', () => {
    expect(LIST_BODY_BUDGET).toBe(5_000_000);
  });

  it('is the envelope JSON.stringify writes, with and without next_cursor', () => {
    const apps = [app(), app({ app_description: 'quote " and \\ and é' })];
    const body = new ListBody();
    for (const a of apps) expect(body.add(a)).toBe(true);
    expect(body.text()).toBe(bodyOf(apps));
    expect(body.text(encodeCursor(apps[1]!.app_id))).toBe(bodyOf(apps, apps[1]));
    expect(new ListBody().text()).toBe('{"result":[]}');
  });

  it('takes an app only when the body with it and its next_cursor stays within the budget', () => {
    const apps = [app({ app_description: 'a'.repeat(300) }), app(), app(), app()];
    const three = payloadBytes(bodyOf(apps.slice(0, 3), apps[2]));
    const exact = new ListBody(three);
    expect(apps.map((a) => exact.add(a))).toEqual([true, true, true, false]);
    // One byte less: the third app's view fits, but not with the cursor after it.
    const short = new ListBody(three - 1);
    expect(apps.map((a) => short.add(a))).toEqual([true, true, false, false]);
  });

  it("weighs quotes twice, as the body travels in Lambda's payload", () => {
    const quoted = [app({ app_description: '"'.repeat(500) }), app({ app_description: '"'.repeat(500) })];
    const raw = Buffer.byteLength(bodyOf(quoted, quoted[1]));
    const escaped = payloadBytes(bodyOf(quoted, quoted[1]));
    expect(escaped - raw).toBeGreaterThan(2000); // each `\"` of the body becomes `\\\"`
    const byRaw = new ListBody(raw);
    expect(quoted.map((a) => byRaw.add(a))).toEqual([true, false]);
    const byPayload = new ListBody(escaped);
    expect(quoted.map((a) => byPayload.add(a))).toEqual([true, true]);
  });

  it('always takes the first app, so that every page moves the cursor', () => {
    const body = new ListBody(10);
    expect(body.add(app())).toBe(true);
    expect(body.add(app())).toBe(false);
  });
});
