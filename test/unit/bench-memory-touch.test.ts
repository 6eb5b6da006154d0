import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const SCRIPT = new URL('../../bench/memory-touch.ts', import.meta.url).pathname;

function run(...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 60_000 });
}

test('memory-touch prints its command and a line of figures per round', () => {
  const result = run('--gib', '1', '--rounds', '2');
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines[0], 'command: node bench/memory-touch.ts --gib 1 --rounds 2');
  assert.match(lines[1] ?? '', /^round +s\/GiB +2MiB p50 ms +p99 ms +max ms$/);
  const rounds = lines.slice(2);
  assert.equal(rounds.length, 2);
  rounds.forEach((line, index) => {
    const [round, ...figures] = line.trim().split(/\s+/).map(Number);
    assert.equal(round, index + 1);
    assert.equal(figures.length, 4);
    assert.ok(
      figures.every((f) => Number.isFinite(f) && f >= 0),
      line,
    );
    // p50 <= p99 <= max, whatever the machine's speed.
    assert.ok(
      (figures[1] ?? 0) <= (figures[2] ?? 0) && (figures[2] ?? 0) <= (figures[3] ?? 0),
      line,
    );
  });
});

test('memory-touch refuses a size out of range, naming the flag', () => {
  for (const gib of ['0', '65', 'lots']) {
    const result = run('--gib', gib);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /--gib takes one whole number from 1 to 64/);
  }
  const rounds = run('--gib', '1', '--rounds', '0');
  assert.notEqual(rounds.status, 0);
  assert.match(rounds.stderr, /--rounds takes one whole number from 1 to 20/);
});
