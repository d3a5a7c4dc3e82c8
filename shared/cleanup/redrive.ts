/**
 * The scheduled redrive (CLEANUP_REDRIVE in event-source.ts): finishes every deleted app whose cleanup
 * marker is older than the marker age, i.e. whose stream-driven cleanup failed past its retries (on AWS
 * the on-failure destination has only the batch's coordinates, not the records, so nothing else could).
 * Per marker: release the claims it names (only if still the app's), remove the collection, then the
 * marker, exactly as the stream path does. One log line per marker and a summary; a marker that fails
 * is left for the next run, and the invocation then fails so the cleanup's Errors alarm sees it.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { AppRepository } from '../db/app-repository.ts';
import type { CleanupMarkers } from '../db/cleanup-markers.ts';
import { logger } from '../logger.ts';
import { CleanupTally } from './cleanup-metrics.ts';
import { CLEANUP_REDRIVE } from './event-source.ts';
import { cleanUpRemovedApp } from './remove-app.ts';

export interface RedriveSummary {
  /** Markers of apps deleted before this were due. */
  cutoff: string;
  finished: number;
  /** Markers naming an app that exists (again): dropped, the app left alone. */
  live_apps: number;
  failed: number;
  /** The run stopped to stay inside the invocation's timeout; the next run goes on. */
  stopped_early: boolean;
}

/** No marker is started with less than this left of the invocation (one may take a while). */
export const REDRIVE_TIME_RESERVE_MS = 60_000;

/** An EventBridge schedule's event (the rule's target input is the event itself). */
export function isScheduledEvent(event: unknown): event is ScheduledEvent {
  const candidate = event as Partial<ScheduledEvent> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.source === 'aws.events' &&
    candidate['detail-type'] === 'Scheduled Event'
  );
}

export async function redriveCleanup(
  repo: AppRepository,
  markers: CleanupMarkers,
  now: Date,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  tally = new CleanupTally(),
): Promise<RedriveSummary> {
  const cutoff = new Date(now.getTime() - CLEANUP_REDRIVE.markerAgeSeconds * 1000);
  const summary: RedriveSummary = { cutoff: cutoff.toISOString(), finished: 0, live_apps: 0, failed: 0, stopped_early: false };
  for await (const marker of markers.olderThan(cutoff)) {
    if (context.getRemainingTimeInMillis() < REDRIVE_TIME_RESERVE_MS) {
      summary.stopped_early = true;
      break;
    }
    const fields = { tenant_id: marker.tenant_id, app_id: marker.app_id, deleted_at: marker.deleted_at };
    try {
      if (await markers.appExists(marker.tenant_id, marker.app_id)) {
        // An App item under the marked id exists (written again by another writer, restored from a backup,
        // or a marker written without its delete): its collection and claims are a live app's. Leave them.
        await markers.remove(marker.tenant_id, marker.app_id);
        summary.live_apps++;
        logger.warn('redrive: the marked app exists; marker removed, app left alone', fields);
        continue;
      }
      const removed = await cleanUpRemovedApp(repo, markers, marker);
      tally.add(removed);
      summary.finished++;
      logger.info('redrive: finished the cleanup of a deleted app', { ...fields, ...removed });
    } catch (error) {
      summary.failed++;
      logger.error('redrive: cleanup of a deleted app failed; the next run tries again', { ...fields, error: error as Error });
    }
  }
  logger.info('redrive done', { ...summary });
  if (summary.failed > 0) throw new Error(`Cleanup redrive: ${summary.failed} deleted app(s) could not be finished`);
  return summary;
}
