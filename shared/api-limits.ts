/**
 * Stage throttling defaults, shared by the CDK stack (overridable by context) and the local gateway
 * (overridable by THROTTLE_RATE / THROTTLE_BURST), so a laptop refuses load the way AWS does.
 */
export const DEFAULT_THROTTLING = { rateLimit: 100, burstLimit: 200 } as const;

export interface Throttling {
  /** Steady requests per second. */
  rateLimit: number;
  /** Requests allowed at once above the steady rate. */
  burstLimit: number;
}
