/**
 * The stored App. Its field types come from the request schemas (never written twice); this adds what
 * the service owns: ids, version, timestamps, the tagged first client.
 */
import type { FirstClient } from './schemas/client.ts';
import type { CreateAppInput } from './schemas/app.ts';

export interface CustomDomainState {
  domain: string;
  status: 'pending' | 'verified' | 'error';
  updated_at: string;
}

type Settable = Pick<
  CreateAppInput,
  | 'app_name' | 'app_description' | 'login_uri' | 'invite_member_uri' | 'b2b_invite_journey_id'
  | 'invite_member_email_expiration_minutes' | 'refresh_token_invalidation_trigger_configuration'
  | 'subdomain' | 'pkce'
>;

export type AppRecord = Settable & {
  app_id: string;
  tenant_id: string;
  /** Bumped on every write; the ETag, and the condition of every conditional write. */
  version: number;
  custom_domain?: CustomDomainState;
  client_id: string;
  first_client: FirstClient;
  created_at: string;
  created_by: string;
  updated_at: string;
};

export const etagOf = (app: Pick<AppRecord, 'version'>): string => `"${app.version}"`;
