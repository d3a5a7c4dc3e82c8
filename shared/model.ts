/**
 * The stored App. Its fields come from one definition (schemas/app.ts): what the caller sets
 * (SETTABLE_FIELDS, types inferred from the request schemas) and what the service sets (SERVICE_FIELDS),
 * plus the tagged first client, the custom domain's state, the active client secrets (ids and dates
 * only: their hashes live in the client record, db/client-record.ts) and the hidden version. The response view
 * (http/app-view.ts) shows every stored field but the HIDDEN ones, so nothing can be stored and never shown.
 */

import type { CreateAppInput, SERVICE_FIELDS, SETTABLE_FIELDS } from './schemas/app.ts';
import type { FirstClient } from './schemas/client.ts';

export interface CustomDomainState {
  domain: string;
  status: 'pending' | 'verified' | 'error';
  updated_at: string;
}

/** An active client secret as the App lists it (contract §9): never its value, never its hash. */
export interface ClientSecretInfo {
  secret_id: string;
  created_at: string;
}

/** Stored but never shown: the version travels as the ETag instead. */
export const HIDDEN_FIELDS = ['version'] as const;

type Settable = Pick<CreateAppInput, Exclude<keyof typeof SETTABLE_FIELDS, 'custom_domain'>>;

export type AppRecord = Settable &
  Record<(typeof SERVICE_FIELDS)[number], string> & {
    /** Bumped on every write; the ETag, and the condition of every conditional write. */
    version: number;
    custom_domain?: CustomDomainState;
    first_client: FirstClient;
    /** Oldest first; one or two, never none (service/client-secrets.ts). */
    client_secrets: [ClientSecretInfo, ...ClientSecretInfo[]];
  };

export const etagOf = (app: Pick<AppRecord, 'version'>): string => `"${app.version}"`;
