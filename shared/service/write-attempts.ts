/**
 * Attempts of one write that lost a race: another change of the same app got there first (re-read and
 * apply the change to its version), or DynamoDB cancelled a transaction that met another on the same
 * items. Each loser backs off with full jitter; only sustained contention on one app ends in 503.
 */
export const WRITE_ATTEMPTS = 10;

export const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 5 * 2 ** attempt)));
