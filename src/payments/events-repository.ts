import type { Database } from '../infra/database/client.ts';
import { storable } from '../infra/database/text.ts';

/**
 * The webhook_events table (this module's): events stored once before the 200, processed
 * after, claimed again by the sweep when a crash got in between. Part of the payment
 * repository (createPaymentRepository).
 */
export function createWebhookEventQueries(db: Database) {
  return {
    /** Stores an event once; returns its id when it is new, undefined for a duplicate. */
    async storeEvent(e: { key: string; event: string; reference: string; status: string; payload: unknown }): Promise<string | undefined> {
      const rows = await db.query<{ id: string }>(
        'webhooks.store',
        'INSERT INTO webhook_events (event_key, event, reference, status, payload) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_key) DO NOTHING RETURNING id',
        [storable(e.key), storable(e.event), storable(e.reference), storable(e.status), JSON.stringify(storable(e.payload))],
      );
      return rows[0]?.id;
    },

    /** Claims unprocessed events older than `minAgeMs` (a crash got between storing and processing). */
    async claimEvents(
      ids: string[] | undefined,
      minAgeMs: number,
      limit: number,
    ): Promise<{ id: string; event: string; reference: string; payload: Record<string, unknown> }[]> {
      // attempts doubles as a lease: a claimed event is not claimed again for 30 s.
      return db.query(
        'webhooks.claim',
        `UPDATE webhook_events SET attempts = attempts + 1, received_at = CASE WHEN $1::uuid[] IS NULL THEN now() ELSE received_at END
         WHERE id IN (
           SELECT id FROM webhook_events
           WHERE processed_at IS NULL AND attempts < 20
             AND ($1::uuid[] IS NULL AND received_at <= now() - make_interval(secs => $2::double precision / 1000) OR id = ANY($1::uuid[]))
           ORDER BY received_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING id, event, reference, payload`,
        [ids ?? null, minAgeMs, limit],
      );
    },

    async markEventProcessed(id: string, error?: string): Promise<void> {
      await db.query(
        'webhooks.mark',
        error
          ? 'UPDATE webhook_events SET last_error = $2 WHERE id = $1'
          : 'UPDATE webhook_events SET processed_at = now(), last_error = NULL WHERE id = $1',
        error ? [id, error] : [id],
      );
    },
  };
}
