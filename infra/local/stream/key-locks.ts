/**
 * Per-item locks of the local DynamoDB endpoint. Every write (single, batch or transaction) and every
 * GetItem holds the locks of the items it touches, so the images the capture proxy records are exactly
 * the item before and after one write, and a transaction's items change together for GetItem.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

type Key = Record<string, AttributeValue | unknown>;

/** A stable name for an item key, whatever the order of its attributes. */
export const keyName = (table: string, key: Key) =>
  `${table}\u0000${Object.keys(key)
    .sort()
    .map((name) => `${name}=${JSON.stringify(key[name])}`)
    .join('&')}`;

/** One lock per item key: a chain of promises. Taken in sorted order, so two holders of many never deadlock. */
export class KeyLocks {
  private tails = new Map<string, Promise<void>>();

  async acquire(names: string[]): Promise<() => void> {
    const releases: (() => void)[] = [];
    for (const name of [...new Set(names)].sort()) {
      const previous = this.tails.get(name) ?? Promise.resolve();
      let release!: () => void;
      const current = new Promise<void>((resolve) => (release = resolve));
      const tail = previous.then(() => current);
      this.tails.set(name, tail);
      await previous;
      releases.push(() => {
        release();
        if (this.tails.get(name) === tail) this.tails.delete(name);
      });
    }
    return () => {
      for (const release of releases) release();
    };
  }
}
