// Differential tests of scripting (EVAL, EVALSHA, EVAL_RO, SCRIPT) against Debian's
// redis-server, RESP2 and RESP3: Lua <-> RESP conversions both ways, Redis' error texts,
// the script environment (protected globals, libraries, PRNG) and the EVAL examples of
// Redis' documentation. Same Lua (Redis 7.0.15's) on both sides, so replies match byte
// for byte, error texts with their script SHA-1 included.
import { differential, norm, unordered } from './suite.js';

// Functions of a library are listed by name here, in Redis' dict order there (README).
const anyOrderList = (argv: string[]) => norm(argv, unordered);

const ev = (script: string, ...rest: string[]): string[] => ['EVAL', script, ...(rest.length ? rest : ['0'])];

differential('Scripting differential', (same) => {
  // Redis' docs (EVAL introduction): KEYS and ARGV.
  same('EVAL returns KEYS and ARGV', [ev('return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}', '2', 'key1', 'key2', 'first', 'second')]);
  same('EVAL numkeys checks', [ev('return 1', '2', 'a'), ev('return 1', '-1'), ev('return 1', 'x'), ['EVAL', 'return 1'], ev('return #KEYS + #ARGV', '1', 'a', 'b', 'c')]);
  same('Lua to RESP: integers truncate, strings, booleans, nil', [
    ev('return 3.99'), ev('return -3.99'), ev("return 'x'"), ev('return true'), ev('return false'), ev('return nil'), ev('return 1e20'),
  ]);
  same('Lua to RESP: arrays stop at the first nil', [ev("return {1,2,3,'ciao',{1,2}}"), ev('return {1,nil,3}'), ev('return {}'), ev("return {1,{2,{3,{'deep'}}}}")]);
  same('Lua to RESP: status and error tables', [
    ev("return {ok='fine'}"), ev("return {err='My Error'}"), ev("return redis.status_reply('DONE')"), ev("return redis.error_reply('MY custom error')"),
    ev("return redis.error_reply('-X y')"), ev("return {err='a\\r\\nb'}"), ev('return redis.error_reply(1)'), ev('return redis.status_reply()'),
  ]);
  same('Lua to RESP3: double, map, set, big number, verbatim', [
    ev('return {double=3.14}'), ev("return {map={a=1}}"), ev("return {set={a=true}}"), ev("return {big_number='123456789012345678901234567890'}"),
    ev("return {verbatim_string={format='txt', string='hello'}}"), ev('return {double=1/0}'),
  ]);
  same('redis.setresp(3) changes what commands return to the script', [
    ['HSET', 'h', 'a', '1'],
    ev("redis.setresp(3); return redis.call('hgetall', 'h')"), ev("redis.setresp(3); local r = redis.call('hgetall', 'h'); return type(r.map)"),
    ev("redis.setresp(3); return redis.call('get', 'nokey') == nil"), ev("return redis.call('get', 'nokey') == false"),
    ev('redis.setresp(3); return true'), ev('redis.setresp(3); return false'), ev('redis.setresp(4)'), ev('redis.setresp()'),
  ]);
  same('RESP to Lua: replies of commands', [
    ['SET', 'k', 'v'],
    ev("return redis.call('get', 'k')"), ev("return type(redis.call('get', 'nokey'))"), ev("return redis.call('set', 'k2', 'x')"), ev("return redis.call('set', 'k2', 'x')['ok']"),
    ev("return redis.call('incr', 'n')"), ev("return type(redis.call('incr', 'n'))"), ev("return redis.call('exists', 'k', 'k2', 'nokey')"),
  ]);
  same('redis.call raises, redis.pcall returns the error', [
    ['SET', 'k', 'v'],
    ev("return redis.call('incr', 'k')"), ev("return redis.pcall('incr', 'k')"), ev("local r = redis.pcall('incr', 'k'); return r['err']"),
    ev("local ok, e = pcall(redis.call, 'incr', 'k'); return {tostring(ok), e}"), ev("return redis.call('get', 'k', 'extra')"),
  ]);
  same('Commands a script may not call, and bad arguments', [
    ev("return redis.call('nosuch')"), ev("return redis.call('get')"), ev("return redis.call('eval', 'return 1', '0')"), ev("return redis.call('config', 'nosuch')"),
    ev('return redis.call()'), ev("return redis.call('get', {})"), ev("return redis.call('set', 'n', 3.5)"), ev("return redis.call('get', 'n')"), ev("return redis.call('set', 'n', 12345678901234)"), ev("return redis.call('get', 'n')"),
  ]);
  same('EVAL_RO and no-writes scripts refuse writes', [
    ['EVAL_RO', "return redis.call('set', 'x', 1)", '0'], ['EVAL_RO', "return redis.call('get', 'x')", '0'], ev("#!lua flags=no-writes\nreturn redis.call('set', 'x', 1)"),
    ev('#!lua flags=nosuch\nreturn 1'), ev('#!lua\nreturn 1'), ev('#!luax\nreturn 1'), ev('#!lua x=y\nreturn 1'), ['EXISTS', 'x'],
  ]);
  same('Protected globals', [ev('return a'), ev('a = 1'), ev('return print'), ev('return os'), ev('return io'), ev('return loadfile'), ev('return dofile'), ev('return debug'), ev("string.x = 1"), ev('local t = {}; t.x = 1; return t.x')]);
  same('Compile and runtime errors', [ev('retur 1'), ev("error('boom')"), ev('error({err="MYERR custom"})'), ev('local x = nil; return x.y'), ev('return 1 +'), ev("error('')")]);
  same('redis.* helpers', [
    ev("return redis.sha1hex('')"), ev("return redis.sha1hex('Pizza & Mandolino')"), ev('return redis.sha1hex()'), ev('return redis.REDIS_VERSION'), ev('return redis.REDIS_VERSION_NUM'),
    ev("redis.log(redis.LOG_WARNING, 'from a script'); return 1"), ev('redis.log(1)'), ev("redis.log('x', 'y')"), ev("redis.log(9, 'y')"),
    ev('return redis.replicate_commands()'), ev('redis.set_repl(redis.REPL_ALL); return 1'), ev('redis.set_repl(99)'), ev('return {redis.LOG_DEBUG, redis.LOG_NOTICE, redis.REPL_AOF, redis.REPL_REPLICA}'),
  ]);
  // Redis 7.0 does not reseed per script (the sequence runs on), so only seeded draws are compared.
  same('math.random after math.randomseed gives Redis\' sequence', [
    ev('math.randomseed(42); return {math.random(100), math.random(100), math.random(1000, 2000), tostring(math.random())}'), ev('math.randomseed(-7); return math.random(1000000)'), ev('return math.random(0)'), ev('return math.random(1, 2, 3)'),
  ]);
  same('cjson, cmsgpack, struct and bit', [
    ev("return cjson.encode({1, 2, 'x'})"), ev("return cjson.decode('[1,2,3,{\"a\":4}]')[4].a"), ev("return cjson.encode(cjson.decode('{\"k\":[true,false,null]}'))"),
    ev("return cmsgpack.pack({1, 2, 'three'})"), ev("return cmsgpack.unpack(cmsgpack.pack({10, 20}))"), ev("return struct.pack('>I2', 258)"), ev("return {struct.unpack('>I2', '\\1\\2')}"),
    ev('return bit.band(0xff, 0x0f)'), ev('return bit.tohex(65535)'), ev('return bit.bxor(5, 3)'), ev("return cjson.decode('{bad')"),
  ]);
  same('EVALSHA and SCRIPT', [
    ['SCRIPT', 'LOAD', "return 'loaded'"], ['EVALSHA', 'b534286061d4b9e4026607613b95c06c06015ae8', '0'], ['EVALSHA', 'B534286061D4B9E4026607613B95C06C06015AE8', '0'],
    ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'], ['EVALSHA', 'abc', '0'], ['EVALSHA_RO', 'b534286061d4b9e4026607613b95c06c06015ae8', '0'],
    ['SCRIPT', 'EXISTS', 'b534286061d4b9e4026607613b95c06c06015ae8', 'ffffffffffffffffffffffffffffffffffffffff'], ['SCRIPT', 'LOAD', 'retur 1'],
    ['SCRIPT', 'FLUSH', 'x'], ['SCRIPT', 'FLUSH', 'ASYNC'], ['SCRIPT', 'EXISTS', 'b534286061d4b9e4026607613b95c06c06015ae8'], ['SCRIPT', 'KILL'], ['SCRIPT', 'HELP'], ['SCRIPT', 'nosuch'], ['SCRIPT', 'EXISTS'],
  ]);
  same('A script writes and reads back atomically', [
    ev("redis.call('set', KEYS[1], ARGV[1]); redis.call('incrby', KEYS[2], 5); return {redis.call('get', KEYS[1]), redis.call('get', KEYS[2])}", '2', 'a', 'b', 'val'),
    ev("local n = 0; for i = 1, 100 do n = n + redis.call('incr', 'counter') end; return n"), ['GET', 'counter'],
    ev("redis.call('hset', 'h', 'f', 'v'); return redis.call('hgetall', 'h')"), ev("return redis.call('type', 'h')"),
  ]);
  same('SELECT inside a script does not change the caller', [ev("redis.call('select', 1); redis.call('set', 'x', 'in1'); return 1"), ['GET', 'x'], ['SELECT', '1'], ['GET', 'x'], ['SELECT', '0']]);
  // Redis' docs, rate limiter pattern (INCR + EXPIRE).
  same('A rate limiter script', [
    ev("local c = redis.call('incr', KEYS[1]); if c == 1 then redis.call('expire', KEYS[1], ARGV[1]) end; if c > tonumber(ARGV[2]) then return 0 end; return 1", '1', 'rl', '60', '2'),
    ev("local c = redis.call('incr', KEYS[1]); if c == 1 then redis.call('expire', KEYS[1], ARGV[1]) end; if c > tonumber(ARGV[2]) then return 0 end; return 1", '1', 'rl', '60', '2'),
    ev("local c = redis.call('incr', KEYS[1]); if c == 1 then redis.call('expire', KEYS[1], ARGV[1]) end; if c > tonumber(ARGV[2]) then return 0 end; return 1", '1', 'rl', '60', '2'),
    ['TTL', 'rl'],
  ]);
});

const LIB = "#!lua name=mylib\nredis.register_function('echo_keys', function(keys, args) return {keys[1], args[1]} end)\nredis.register_function{function_name='ro_get', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads a key'}\nredis.register_function('writer', function(keys, args) return redis.call('set', keys[1], args[1]) end)";

differential('Function differential', (same) => {
  same('FUNCTION LOAD, FCALL and FCALL_RO', [
    ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', LIB], ['FCALL', 'echo_keys', '1', 'k', 'a'], ['FCALL', 'writer', '1', 'k', 'v'], ['FCALL', 'ro_get', '1', 'k'],
    ['FCALL_RO', 'ro_get', '1', 'k'], ['FCALL_RO', 'writer', '1', 'k', 'v'], ['FCALL', 'nosuch', '0'], ['FCALL', 'echo_keys', '2', 'k'], ['FCALL', 'echo_keys', '-1'],
    anyOrderList(['FUNCTION', 'LIST']), anyOrderList(['FUNCTION', 'LIST', 'WITHCODE']), anyOrderList(['FUNCTION', 'LIST', 'LIBRARYNAME', 'my*']), ['FUNCTION', 'LIST', 'LIBRARYNAME', 'x*'], ['FUNCTION', 'STATS'],
    ['FUNCTION', 'FLUSH'],
  ]);
  same('FUNCTION LOAD errors', [
    ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', 'return 1'], ['FUNCTION', 'LOAD', '#!lua\nreturn 1'], ['FUNCTION', 'LOAD', '#!lua name=lib1\nreturn 1'], ['FUNCTION', 'LOAD', '#!lua name=bad-lib\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua name=l3 foo=bar\nreturn 1'], ['FUNCTION', 'LOAD', '#!lua name=l3\nredis.call("ping")'], ['FUNCTION', 'LOAD', '#!lua name=l3\na = 1'], ['FUNCTION', 'LOAD', '#!lua name=l3\nretur'],
    ['FUNCTION', 'LOAD', "#!lua name=l3\nredis.register_function('bad-name', function() end)"], ['FUNCTION', 'LOAD', "#!lua name=l3\nredis.register_function('f', function() end)\nredis.register_function('f', function() end)"],
    ['FUNCTION', 'LOAD', "#!lua name=l3\nredis.register_function{function_name='f', callback=function() end, flags={'nosuch'}}"], ['FUNCTION', 'LOAD', "#!lua name=l3\nredis.register_function{function_name='f'}"],
    ['FUNCTION', 'LOAD', '#!lua name=l3\nredis.register_function(1)'], ['FUNCTION', 'LOAD', '#!js name=l3\nx'], ['FUNCTION', 'LOAD', 'foo', 'bar'], ['FUNCTION', 'LIST'],
  ]);
  same('FUNCTION LOAD REPLACE, name collisions and DELETE', [
    ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('fa', function() return 'a1' end)"], ['FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('fa', function() return 'a2' end)"],
    ['FUNCTION', 'LOAD', 'REPLACE', "#!lua name=a\nredis.register_function('fa', function() return 'a2' end)"], ['FCALL', 'fa', '0'], ['FUNCTION', 'LOAD', "#!lua name=b\nredis.register_function('fa', function() return 'b' end)"],
    ['FUNCTION', 'DELETE', 'nosuch'], ['FUNCTION', 'DELETE', 'a'], ['FCALL', 'fa', '0'], ['FUNCTION', 'FLUSH', 'x'], ['FUNCTION', 'FLUSH', 'SYNC'], ['FUNCTION', 'KILL'], ['FUNCTION', 'nosuch'],
  ]);
  same('Function errors name the function', [
    ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', "#!lua name=e\nredis.register_function('f4', function(keys, args) return a end)\nredis.register_function('f5', function(keys, args) return redis.call('nosuch') end)"],
    ['FCALL', 'f4', '0'], ['FCALL', 'f5', '0'], ['FUNCTION', 'FLUSH'],
  ]);
});
