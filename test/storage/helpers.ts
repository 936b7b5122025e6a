import { rmSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { OpError, type StorageCommand, type StorageReply } from '../../src/storage/codec.js';
import { Cmd, storageCommand } from '../../src/storage/requests.js';
import { Op } from '../../src/storage/ops.js';
import { MessageChannel } from '../../src/storage/message-channel.js';
import { StorageClient, type RequestOptions } from '../../src/storage/storage-client.js';
import { StorageServer, type StorageOptions } from '../../src/storage/storage-server.js';
import { defaultDir, diskDir, MEMORY_DIR } from '../helpers/storage-mode.js';

/** A fresh temporary directory (for tests about what a directory keeps). */
export function tempDir(prefix = 'kiwi-test-'): string {
  return diskDir(prefix);
}

export interface TestStorage {
  dir: string;
  server: StorageServer;
  channel: MessageChannel;
  client: StorageClient;
  send(cmd: StorageCommand | StorageCommand[], options?: RequestOptions): Promise<StorageReply>;
  /** Sends a command and returns the reply as a string (bulk) or the value. */
  str(cmd: StorageCommand): Promise<string | null>;
  close(): Promise<void>;
  reopen(options?: Partial<StorageOptions>): Promise<TestStorage>;
}

/** Opens storage in `dir`: by default per the suite's storage mode (a directory or :memory:). */
export function openStorage(options: Partial<StorageOptions> = {}, dir = defaultDir()): TestStorage {
  const server = StorageServer.open({ dir, threads: 2, ...options });
  const channel = new MessageChannel(server, { capacity: options.capacity ?? 10_000 });
  const client = new StorageClient(channel);
  const t: TestStorage = {
    dir,
    server,
    channel,
    client,
    send: (cmd, o) => client.sendRequest(cmd, o),
    async str(cmd) {
      const r = await client.sendRequest(cmd);
      if (r === null) return null;
      if (Buffer.isBuffer(r)) return r.toString();
      if (r instanceof OpError) throw new Error(`unexpected error reply ${r.codeName}`);
      return String(r);
    },
    async close() {
      await client.drain();
      await server.stop();
    },
    async reopen(more = {}) {
      await t.close();
      return openStorage({ ...options, ...more }, dir);
    },
  };
  return t;
}

export function removeDir(dir: string): void {
  if (dir !== MEMORY_DIR) rmSync(dir, { recursive: true, force: true });
}

export function errorName(r: StorageReply): string | undefined {
  return r instanceof OpError ? r.codeName : undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One storage for the whole test file, emptied before each test. Returns a getter, since
 * the storage opens in beforeAll.
 */
export function useFreshStorage(options: Partial<StorageOptions> = {}): () => TestStorage {
  let s: TestStorage;
  beforeAll(() => {
    s = openStorage(options);
  });
  afterAll(async () => {
    await s.close();
    removeDir(s.dir);
  });
  beforeEach(async () => {
    await s.send(Cmd.flushall());
  });
  return () => s;
}

/** A real hash of one field (HSET), as a key of another type for WRONGTYPE checks. */
export const hsetCommand = (key: string, db = 0): StorageCommand => storageCommand(Op.HSET, db, [Buffer.from(key), Buffer.from('field'), Buffer.from('value')]);

/** Closes a test's storage and removes its directory (nothing to remove in memory mode). */
export async function disposeStorage(t: TestStorage | undefined): Promise<void> {
  if (!t) return;
  await t.close();
  if (t.dir !== ':memory:') removeDir(t.dir);
}
