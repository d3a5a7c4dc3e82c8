/**
 * The body of a list page (contract §5), built app by app so that the page ends before the body would
 * pass the byte budget: a tenant of large apps pages by size, not only by count. The repository asks
 * `add` about each app in order and ends the page before the first one refused (app-repository.ts), so
 * `next_cursor` continues right after the last app in the body.
 */
import type { AppRecord } from '../model.ts';
import { toAppView } from './app-view.ts';
import { encodeCursor } from './cursor.ts';

/**
 * The most a list body may weigh, in bytes. Lambda refuses a response payload over 6 MB (6,291,556
 * bytes, its `Function.ResponseSizeTooLarge` message says); the contract keeps a list body under 5 MB so
 * that the headers and the proxy result around the body never come near that. Decimal 5,000,000 rather
 * than 5 MiB: the body is then under 5 MB whichever way a caller reads "MB", for ~5% fewer apps a page.
 */
export const LIST_BODY_BUDGET = 5_000_000;

/**
 * What a JSON text weighs inside Lambda's response payload. The body travels there as a JSON string
 * (the `body` of the proxy result), so each `"` and `\` in it counts twice and a line break as `\n`: an
 * app of quote-heavy text could otherwise double a body that looked well under the budget. The UTF-8
 * bytes of the plain body are never more than this, so a page within the budget here is within it there.
 */
const payloadBytes = (json: string) => Buffer.byteLength(JSON.stringify(json)) - 2;

/** `{"result":[...],"next_cursor":"..."}`, exactly as JSON.stringify writes it. */
const envelope = (result: string, nextCursor?: string) =>
  `{"result":[${result}]${nextCursor === undefined ? '' : `,"next_cursor":${JSON.stringify(nextCursor)}`}}`;

export class ListBody {
  /** Each app's view as JSON, in page order. */
  private readonly views: string[] = [];
  /** Payload bytes of the views and the commas between them. */
  private viewBytes = 0;

  constructor(private readonly budget = LIST_BODY_BUDGET) {}

  /**
   * Takes the app when the body with it still fits: its view, a comma, and the envelope with the
   * cursor that would follow it (the longest the envelope gets with this app last). The first app is
   * always taken: a page must move the cursor, and DynamoDB's 400 KB item limit keeps one app far
   * under the budget.
   */
  add(app: AppRecord): boolean {
    const view = JSON.stringify(toAppView(app));
    const viewBytes = this.viewBytes + (this.views.length > 0 ? 1 : 0) + payloadBytes(view);
    const total = viewBytes + payloadBytes(envelope('', encodeCursor(app.app_id)));
    if (this.views.length > 0 && total > this.budget) return false;
    this.views.push(view);
    this.viewBytes = viewBytes;
    return true;
  }

  /** The body: the apps taken, and `next_cursor` when the page is not the last. */
  text(nextCursor?: string): string {
    return envelope(this.views.join(','), nextCursor);
  }
}
