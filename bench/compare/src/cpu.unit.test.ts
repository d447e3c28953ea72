import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupTotal, startCpuWindow, storePids, usPerMessage } from './cpu.js';

/** Spins until this process has used `ms` more CPU time (so a loaded machine only stretches the wall clock). */
function burn(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

test('a window charges the CPU a process spent to its group and role', () => {
  const window = startCpuWindow(() => ({ system: {}, stores: {}, bench: { self: [process.pid] } }));
  burn(300);
  const { pct, seconds, totalPct } = window.end();
  const cpuSeconds = (pct.bench.self! / 100) * seconds;
  // /proc counts in 10 ms ticks; allow a few either side.
  assert.ok(Math.abs(cpuSeconds - 0.3) < 0.05, `measured ${cpuSeconds} s of CPU for 0.3 s burnt`);
  assert.equal(totalPct, pct.bench.self);
  assert.deepEqual(pct.system, {});
});

test('a process gone by the end of the window drops out instead of failing the measurement', () => {
  const window = startCpuWindow(() => ({ system: { gone: [2 ** 22 + 1] }, stores: {}, bench: {} }));
  assert.deepEqual(window.end().pct, { system: {}, stores: {}, bench: {} });
});

test('stores are looked up per system: Tidings has Kafka and Postgres, MQTT none besides its broker', () => {
  assert.deepEqual(Object.keys(storePids('tidings')).sort(), ['kafka', 'postgres']);
  assert.deepEqual(Object.keys(storePids('seed')), ['redis']);
  assert.deepEqual(storePids('mqtt'), {});
});

test('CPU per message turns % of a core at a rate into microseconds', () => {
  assert.equal(usPerMessage(100, 10_000), 100);
  assert.equal(usPerMessage(50, 20_000), 25);
  assert.ok(Number.isNaN(usPerMessage(10, 0)));
  assert.equal(groupTotal({ a: 10.25, b: 5.1 }), 15.4);
});
