// Reads vitest's JSON report and prints the counts CI reads. The last line is exactly
// "N passed, M failed"; skipped and todo tests are printed on the line before it, so
// nothing skipped is hidden from the summary.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-report.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`cannot read the test report ${file}: ${err.message}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// Files that failed to load have no test results but must count as failures.
const brokenFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
let failed = (report.numFailedTests ?? 0) + brokenFiles;
// A run that failed with every test passing (unhandled errors or rejections between
// tests, a crashed worker) is not a pass: it counts as one failure, said so.
const exitStatus = Number(process.argv[3] ?? 0);
if (failed === 0 && (report.success === false || exitStatus !== 0)) {
  console.log(`the test run failed outside any test (exit status ${exitStatus}; unhandled errors?): counted as 1 failure`);
  failed = 1;
}
const skipped = report.numPendingTests ?? 0;
const todo = report.numTodoTests ?? 0;
for (const f of report.testResults ?? []) {
  for (const t of f.assertionResults ?? []) {
    if (t.status === 'skipped' || t.status === 'pending') console.log(`skipped: ${t.fullName}`);
  }
}
console.log(`${skipped} skipped, ${todo} todo`);
console.log(`${passed} passed, ${failed} failed`);
