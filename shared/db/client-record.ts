/**
 * The client record (`TENANT#<tid>#APP#<app_id>` / `CLIENT#<client_id>`): where the hashes of the app's
 * active client secrets live, never in the App item (whose fields are all shown). A token endpoint checks
 * a presented secret against every entry of `client_secret_hashes`:
 *   client_secret_hashes: { "<secret_id>": { "hash": "sha256:<base64url>", "created_at": "<ISO-8601>" } }
 * A map keyed by secret id, so adding or retiring one secret is a one-path update that needs no read of
 * the others. Each write here rides in the same transaction as the App (on its version), so the map
 * always holds exactly the secrets the App lists.
 */
import type { AppRecord } from '../model.ts';
import { keys } from './keys.ts';
import type { WriteAction } from './transaction.ts';

export interface SecretHash {
  secretId: string;
  hash: string;
  createdAt: string;
}

const entryOf = ({ hash, createdAt }: SecretHash) => ({ hash, created_at: createdAt });

/** The record a create writes, with the app's first secret. */
export function putClientRecord(table: string, app: AppRecord, first: SecretHash): WriteAction {
  return {
    Put: {
      TableName: table,
      Item: {
        ...keys.client(app.tenant_id, app.app_id, app.client_id),
        entity: 'Client',
        tenant_id: app.tenant_id,
        app_id: app.app_id,
        client_id: app.client_id,
        client_secret_hashes: { [first.secretId]: entryOf(first) },
        created_at: app.created_at,
      },
    },
  };
}

export function addSecretHash(table: string, app: AppRecord, secret: SecretHash): WriteAction {
  return {
    Update: {
      TableName: table,
      Key: keys.client(app.tenant_id, app.app_id, app.client_id),
      UpdateExpression: 'SET client_secret_hashes.#secret = :entry',
      ExpressionAttributeNames: { '#secret': secret.secretId },
      ExpressionAttributeValues: { ':entry': entryOf(secret) },
    },
  };
}

export function removeSecretHash(table: string, app: AppRecord, secretId: string): WriteAction {
  return {
    Update: {
      TableName: table,
      Key: keys.client(app.tenant_id, app.app_id, app.client_id),
      UpdateExpression: 'REMOVE client_secret_hashes.#secret',
      ExpressionAttributeNames: { '#secret': secretId },
    },
  };
}
