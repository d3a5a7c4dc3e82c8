/**
 * ClientRequestToken of TransactWriteItems, as DynamoDB documents it: within 10 minutes the same token
 * with the same request succeeds again without applying twice, with another request it is an
 * IdempotentParameterMismatchException, and while the first is still running it is a
 * TransactionInProgressException (which the AWS SDK retries, with the same token). Only committed
 * transactions are remembered; with a file they survive a restart.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { idempotentParameterMismatch, transactionInProgress } from './dynamo-errors.ts';

const WINDOW_MS = 10 * 60 * 1000;

interface Used {
  token: string;
  hash: string;
  at: number;
}

export class RequestTokens {
  private readonly used = new Map<string, Used>();
  private readonly running = new Map<string, string>();

  constructor(private readonly file?: string) {
    if (!file || !existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      try {
        const entry = JSON.parse(line) as Used;
        if (Date.now() - entry.at < WINDOW_MS) this.used.set(entry.token, entry);
      } catch {
        // an empty line, or one cut short by a kill
      }
    }
    // Rewritten at start without the expired tokens, so the file stays small.
    writeFileSync(file, [...this.used.values()].map((entry) => `${JSON.stringify(entry)}\n`).join(''));
  }

  /** Claims the token for a run: 'replay' when this request already committed, else 'new' (the caller must `end` it). */
  begin(token: string, hash: string): 'new' | 'replay' {
    const running = this.running.get(token);
    if (running !== undefined) throw running === hash ? transactionInProgress() : idempotentParameterMismatch();
    const used = this.used.get(token);
    if (used && Date.now() - used.at < WINDOW_MS) {
      if (used.hash !== hash) throw idempotentParameterMismatch();
      return 'replay';
    }
    this.running.set(token, hash);
    return 'new';
  }

  /** The transaction of this token committed (called before its intent is removed, and again by a replay). */
  record(token: string, hash: string): void {
    const entry = { token, hash, at: Date.now() };
    this.used.set(token, entry);
    if (!this.file) return;
    const fd = openSync(this.file, 'a');
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  end(token: string): void {
    this.running.delete(token);
  }
}
