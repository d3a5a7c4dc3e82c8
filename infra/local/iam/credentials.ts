/**
 * Who signed a request: the access key id and region of the SigV4 credential scope in `Authorization`
 * (`AWS4-HMAC-SHA256 Credential=<akid>/<date>/<region>/<service>/aws4_request, SignedHeaders=…, Signature=…`).
 *
 * The signature is not verified, on purpose: the local secret keys are not secrets (each function's is
 * its own name, written in the runtime's source), so checking them would prove nothing. What the laptop
 * has to reproduce is the policy each identity is held to, and for that the claimed key id is enough.
 */
const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/[^/,\s]+\/aws4_request/;

export interface Signer {
  accessKeyId: string;
  region: string;
}

export function signerOf(authorization: string | string[] | undefined): Signer | undefined {
  const header = [authorization ?? ''].flat().join(',');
  if (!header.trim().startsWith('AWS4-')) return undefined;
  const [, accessKeyId, region] = CREDENTIAL.exec(header) ?? [];
  return accessKeyId && region ? { accessKeyId, region } : undefined;
}
