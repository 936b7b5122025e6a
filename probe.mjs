import Redis from 'ioredis';
import { createClient } from 'redis';
import { startServer } from './dist/index.js';
const s = await startServer({ port: 0, dir: '/tmp/probe-' + process.pid });
const r = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true });
await r.connect();
console.log(await r.set('io', '1'));
const results = await r.pipeline().set('a', 'x').get('a').incr('a').mget('a', 'io').exec();
console.log(JSON.stringify(results));
try { await r.call('nosuchcommand', 'a'); } catch (e) { console.log(e.message); }
r.disconnect();
console.log('ioredis done');
const c = createClient({ socket: { port: s.port, host: '127.0.0.1' } });
c.on('error', (e) => console.log('client error', e.message));
await c.connect(); console.log('connected');
console.log(await c.set('nr', 'v', { EX: 100 }));
await c.quit(); console.log('quit done');
await s.close(); console.log('closed');
