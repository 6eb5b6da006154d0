import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const SCRIPT = new URL('../../bench/machine-probe.ts', import.meta.url).pathname;

function run(...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 60_000 });
}

test('machine-probe prints its command and one line: arithmetic, then a chase per size', () => {
  const result = run('--sizes', '1,2', '--steps', '100000', '--adds', '1000000');
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.equal(
    lines[0],
    'command: node bench/machine-probe.ts --sizes 1,2 --steps 100000 --adds 1000000',
  );
  assert.match(
    lines[1] ?? '',
    /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}arith \d+ ms {2}chase 1 MiB \d+\.\d ns {2}chase 2 MiB \d+\.\d ns$/,
  );
  assert.equal(lines.length, 2);
});

test('machine-probe refuses options out of range, naming the flag', () => {
  const cases: [string[], RegExp][] = [
    [['--sizes', '0'], /--sizes takes whole numbers from 1 to 1024/],
    [['--sizes', '16,2048'], /--sizes takes whole numbers from 1 to 1024/],
    [['--sizes', '1,,2'], /--sizes takes whole numbers/],
    [['--steps', '10'], /--steps takes one whole number from 1000/],
    [['--adds', 'many'], /--adds takes one whole number/],
  ];
  for (const [args, message] of cases) {
    const result = run(...args);
    assert.notEqual(result.status, 0, args.join(' '));
    assert.match(result.stderr, message);
  }
});
