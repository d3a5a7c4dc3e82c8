/**
 * The one definition of the API functions' memory and timeout. The CDK stack gives each function of the
 * route table these values, and the local runtime reads them too (source mode: the context's deadline
 * and memory; bundle mode reads them back from the synthesized template), so a laptop's deadline is the
 * deployed one. The cleanup's are beside its name, in CLEANUP_FUNCTION (shared/cleanup/event-source.ts).
 */
export interface FunctionSettings {
  memorySizeMb: number;
  timeoutSeconds: number;
}

export const API_FUNCTION_SETTINGS = {
  // 512 MB on arm64: enough CPU that JWT verification and JSON stay sub-millisecond; cold starts shrink
  // with memory too.
  memorySizeMb: 512,
  // 10 s, well below API Gateway's 30 s: every DynamoDB call has a deadline 1 s before it
  // (shared/db/deadline.ts), so a stalled call still gets its 503 out.
  timeoutSeconds: 10,
} as const satisfies FunctionSettings;
