// Runs the commands a script calls (redis.call/pcall), on the network thread of the
// runtime the script came from, with the same command table as clients and Redis'
// script rules (script.c scriptCall): unknown commands, arity, the noscript flag and
// writes from read-only scripts are refused with Redis' texts. Storage work runs
// synchronously through ScriptClient.runNow(): the script thread holds the keyspace.
import { errorReplyText, ReplyError } from '../errors.js';
import { EncodedReply, type Reply } from '../commands/reply.js';
import { StorageCall, type CommandRow, type ExecContext, type ScriptGateway, type ScriptTaskOp } from '../commands/types.js';
import type { StorageReply } from '../storage/codec.js';
import { readBlocks } from '../commands/stream.js';
import { notificationsOn, publishKeyspaceEvents, raisesEvents } from '../commands/keyspace-events.js';
import { ScriptClient, type ScriptRunning } from '../storage/script-client.js';
import { RespWriter } from './resp-writer.js';

export const SCRIPT_CALL_ERRORS = {
  unknown: 'ERR Unknown Redis command called from script',
  arity: 'ERR Wrong number of args calling Redis command from script',
  noscript: 'ERR This Redis command is not allowed from script',
  readOnly: 'ERR Write commands are not allowed from read-only scripts.',
} as const;

/** Shebang flag no-writes (kScriptFlagNoWrites in native/src/script/lua_engine.h). */
const FLAG_NO_WRITES = 1;

export class ScriptHost implements ScriptGateway {
  readonly #client: ScriptClient;
  readonly #commands: () => ReadonlyMap<string, CommandRow>;
  readonly #writer = new RespWriter();

  constructor(client: ScriptClient, commands: () => ReadonlyMap<string, CommandRow>) {
    this.#client = client;
    this.#commands = commands;
  }

  async run(op: ScriptTaskOp, body: Buffer | null, keys: Buffer[], args: Buffer[], ctx: ExecContext, readOnly: boolean): Promise<Reply> {
    const db = ctx.client.db;
    const onCall = op === 0 || op === 1 || op === 6 ? (id: number, argv: Buffer[], resp: 2 | 3, flags: number) => {
      void this.#call(argv, resp, readOnly || (flags & FLAG_NO_WRITES) !== 0, ctx).then(
        ({ reply, wrote }) => this.#client.answer(id, reply, wrote),
        (err) => this.#client.answer(id, this.#encode(new ReplyError(errorReplyText(err)), resp), false),
      );
    } : null;
    // One command to its client, as in Redis: it starts once the client's earlier commands
    // have run, and its later ones wait for it (they are not read meanwhile).
    const release = ctx.client.holdLater?.();
    try {
      const earlier = ctx.client.earlierAnswered?.();
      if (earlier) await earlier;
      return new EncodedReply(await this.#client.submit(op, body, keys, args, ctx.client.resp, readOnly, onCall));
    } finally {
      // SELECT inside a script is the script's own: the caller keeps its database.
      (ctx.client as { db: number }).db = db;
      release?.();
    }
  }

  kill(func: boolean): 0 | 1 | 2 | 3 {
    return this.#client.kill(func);
  }

  running(): ScriptRunning {
    return this.#client.running();
  }

  busyMs(): number {
    return this.#client.busyMs();
  }

  async #call(argv: Buffer[], resp: 2 | 3, readOnly: boolean, ctx: ExecContext): Promise<{ reply: Buffer; wrote: boolean }> {
    const fail = (text: string) => ({ reply: this.#encode(new ReplyError(text), resp), wrote: false });
    let row = this.#commands().get(argv[0].toString('latin1').toLowerCase());
    if (row?.subcommands?.length) {
      if (argv.length < 2) return fail(SCRIPT_CALL_ERRORS.arity);
      row = row.subcommands.find((s) => s.name === `${row!.name}|${argv[1].toString('latin1').toLowerCase()}`);
    }
    if (row === undefined) return fail(SCRIPT_CALL_ERRORS.unknown);
    if (row.arity > 0 ? argv.length !== row.arity : argv.length < -row.arity) return fail(SCRIPT_CALL_ERRORS.arity);
    if (row.flags.includes('noscript')) return fail(SCRIPT_CALL_ERRORS.noscript);
    // Redis xreadCommand keeps refusing BLOCK from scripts (7.0, for compatibility).
    if ((row.name === 'xread' || row.name === 'xreadgroup') && readBlocks(argv)) return fail(`ERR ${argv[0].toString('latin1')} command is not allowed with BLOCK option from scripts`);
    const write = row.flags.includes('write');
    if (write && readOnly) return fail(SCRIPT_CALL_ERRORS.readOnly);
    const args = row.parse(argv, ctx);
    if (args instanceof ReplyError) return { reply: this.#encode(args, resp), wrote: false };
    const outcome = row.exec(args, ctx);
    let reply: Reply;
    if (outcome instanceof StorageCall) {
      const commands = Array.isArray(outcome.commands) ? outcome.commands : [outcome.commands];
      const replies = this.#client.runNow(commands);
      const r: StorageReply = Array.isArray(outcome.commands) && replies.length !== 1 ? replies : replies[0];
      // Mappers shape replies by protocol (XREAD's map, HRANDFIELD's pairs): the script's, not its caller's.
      reply = outcome.map(r, resp === ctx.client.resp ? ctx : { ...ctx, client: { ...ctx.client, resp } });
    } else {
      reply = await outcome;
    }
    // Keyspace events of the call, from its arguments and reply, while the script runs
    // (Redis raises them inside call(), so they precede the script's own reply).
    if (!(reply instanceof ReplyError) && raisesEvents(row.name) && notificationsOn(ctx.server)) {
      publishKeyspaceEvents(ctx.server, row.name, argv, reply, ctx.client.db);
    }
    return { reply: this.#encode(reply, resp), wrote: write };
  }

  #encode(r: Reply, resp: 2 | 3): Buffer {
    this.#writer.write(r, resp);
    return Buffer.concat(this.#writer.take());
  }
}
