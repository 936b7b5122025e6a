// Entry point of a network runtime's worker thread (see network-runtime.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { NetworkRuntime, type RuntimeData } from './network-runtime.js';
import { MAIN, RuntimeBus } from './shared-state.js';

const data = workerData as RuntimeData;
const bus = new RuntimeBus(data.index);
bus.attach(MAIN, parentPort!);
const runtime = new NetworkRuntime(data, bus);
await runtime.start();
bus.send('main', 'ready', data.index);
