// Network runtimes run in worker threads, which load the built JavaScript (dist/), not
// the TypeScript sources vitest compiles: build it first so they run the code under test.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
