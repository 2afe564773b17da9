// Emit metrics after every load, StatsD/DogStatsD over UDP: rows, duration and outcome per table.
// Metrics must never fail a load: UDP is fire-and-forget, and a throwing hook is only reported.
// Run: tsx examples/hooks-metrics.ts (sends to 127.0.0.1:8125)
import { createSocket } from 'node:dgram';
import { PgliteDatabase, defineTable, t, type AuditRecord, type LoadHooks } from '../src/index.js';

export interface StatsdOptions {
  host?: string;
  port?: number;
  /** Metric name prefix, default 'upshift.load'. */
  prefix?: string;
}

/** The StatsD lines for one load (DogStatsD tags). */
export function loadMetrics(r: AuditRecord, prefix = 'upshift.load'): string[] {
  const tags = `#table:${r.table},mode:${r.mode},status:${r.status}`;
  const lines = [`${prefix}.count:1|c|${tags}`, `${prefix}.duration_ms:${r.durationMs}|ms|${tags}`];
  if (r.timings.stageMs !== null) lines.push(`${prefix}.stage_ms:${r.timings.stageMs}|ms|${tags}`);
  if (r.status === 'succeeded') {
    lines.push(
      `${prefix}.rows_inserted:${r.inserted ?? 0}|c|${tags}`,
      `${prefix}.rows_updated:${r.updated ?? 0}|c|${tags}`,
    );
  }
  return lines;
}

/** afterLoad hook sending loadMetrics() in one UDP datagram; close() releases the socket. */
export function statsdHooks(options: StatsdOptions = {}): LoadHooks & { close(): void } {
  const socket = createSocket('udp4');
  socket.unref();
  return {
    afterLoad: (r) =>
      new Promise<void>((resolve, reject) => {
        socket.send(
          loadMetrics(r, options.prefix).join('\n'),
          options.port ?? 8125,
          options.host ?? '127.0.0.1',
          (err) => (err ? reject(err) : resolve()),
        );
      }),
    close: () => socket.close(),
  };
}

/** The example on embedded PGlite, sending to the given StatsD port. */
export async function main(port = 8125): Promise<void> {
  const metrics = statsdHooks({ port });
  const db = new PgliteDatabase({ hooks: metrics });
  const candy = db.table(
    defineTable('shop.candy', { id: t.bigint().notNull(), name: t.varchar(64) }, { upsertKey: ['id'] }),
  );
  await candy.create();
  await candy.upsert([{ id: 1n, name: 'licorice' }]);
  await candy.upsert([
    { id: 1n, name: 'black licorice' },
    { id: 2n, name: 'gum' },
  ]);
  await db.close();
  metrics.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
