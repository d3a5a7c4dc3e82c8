/**
 * Lambda's own log lines for an invocation, in its text format: START, END, REPORT (with Init Duration on
 * a cold start, Status on a failure), and the platform's timeout line.
 */

export const startLine = (requestId: string) => `START RequestId: ${requestId} Version: $LATEST`;
export const endLine = (requestId: string) => `END RequestId: ${requestId}`;

export interface ReportFigures {
  requestId: string;
  durationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  /** Only on the instance's first invocation. */
  initDurationMs?: number;
  /** Lambda adds it when the invocation did not end normally. */
  status?: 'timeout' | 'error';
  errorType?: string;
}

/**
 * Billed Duration is the duration rounded up to the millisecond; on a cold start Lambda now bills the
 * init phase too (managed runtimes, since August 2025), so it is added there.
 */
export function reportLine(f: ReportFigures): string {
  const billed = Math.ceil(f.durationMs + (f.initDurationMs ?? 0));
  return [
    `REPORT RequestId: ${f.requestId}`,
    `Duration: ${f.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${billed} ms`,
    `Memory Size: ${f.memorySizeMb} MB`,
    `Max Memory Used: ${Math.round(f.maxMemoryUsedMb)} MB`,
    ...(f.initDurationMs !== undefined ? [`Init Duration: ${f.initDurationMs.toFixed(2)} ms`] : []),
    ...(f.status ? [`Status: ${f.status}`] : []),
    ...(f.errorType ? [`Error Type: ${f.errorType}`] : []),
  ].join('\t');
}

/** The platform's line when it stops an invocation at the function's timeout. */
export const timeoutLine = (requestId: string, timeoutSeconds: number) =>
  `${new Date().toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
