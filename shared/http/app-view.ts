/**
 * The App as callers see it (contract §4): every stored field but the hidden ones (model.ts), in a stable
 * order, never-set optionals absent, the active secrets by id and date, and the client secret's value
 * only when the caller passes it (create's 201).
 * Fields are not listed one by one: a field added to the stored App shows up here without a change.
 */
import { type AppRecord, HIDDEN_FIELDS } from '../model.ts';
import { SETTABLE_FIELDS } from '../schemas/app.ts';

/** Ids, the caller's settings, the client, the audit fields; anything else stored comes after. */
const VIEW_ORDER = [
  'app_id',
  'tenant_id',
  ...Object.keys(SETTABLE_FIELDS),
  'client_id',
  'client_secret',
  'client_secrets',
  'first_client',
  'created_at',
  'created_by',
  'updated_at',
];

export function toAppView(app: AppRecord, clientSecret?: string): Record<string, unknown> {
  const { authentication_protocol, ...client } = app.first_client;
  const shown: Record<string, unknown> = {
    ...app,
    client_secret: clientSecret,
    first_client: { authentication_protocol, client_id: app.client_id, ...client },
  };
  for (const field of HIDDEN_FIELDS) delete shown[field];
  const view: Record<string, unknown> = {};
  for (const field of new Set([...VIEW_ORDER, ...Object.keys(shown)])) {
    if (shown[field] !== undefined) view[field] = shown[field];
  }
  return view;
}
