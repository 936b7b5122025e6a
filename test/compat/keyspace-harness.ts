// Runs a write script while a subscriber listens to every keyspace and keyevent channel,
// for the keyspace-notification differential tests.
import { RespConnection } from './harness.js';

const END = 'ks:end';

/** A script step: a command, or ['SLEEP', ms] to let keys with a short TTL expire. */
export type EventStep = string[];

/**
 * Runs `script` one command at a time on a writer while a subscriber listens to every
 * keyspace and keyevent channel; returns the writer's replies and the subscriber's
 * messages up to a closing PUBLISH on END.
 */
export async function events(port: number, resp3: boolean, script: EventStep[], flags = 'KEA'): Promise<string[]> {
  const admin = await RespConnection.open(port);
  await admin.command(['FLUSHALL']);
  await admin.command(['CONFIG', 'SET', 'notify-keyspace-events', flags]);
  const sub = await RespConnection.open(port);
  const writer = await RespConnection.open(port);
  const out: string[] = [];
  try {
    if (resp3) await sub.command(['HELLO', '3']);
    await sub.command(['PSUBSCRIBE', '__key*__:*']);
    await sub.command(['SUBSCRIBE', END]);
    for (const argv of script) {
      if (argv[0] === 'SLEEP') {
        await new Promise((resolve) => setTimeout(resolve, Number(argv[1])));
        continue;
      }
      const reply = await writer.command(argv);
      // SPOP's member is random: its events are compared, not the member.
      out.push(`${argv.join(' ')} -> ${argv[0] === 'SPOP' ? reply.slice(0, 2) : reply}`);
    }
    await writer.command(['PUBLISH', END, 'x']);
    for (;;) {
      const m = await sub.next(2000);
      if (m.includes(END) || m === '<timeout>') break;
      out.push(m);
    }
  } finally {
    await admin.command(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    for (const c of [admin, sub, writer]) c.close();
  }
  return out;
}
