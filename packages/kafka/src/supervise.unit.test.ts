import assert from 'node:assert/strict';
import { test } from 'node:test';
import { superviseConsumer, type ConsumerEvents, type SuperviseOptions } from './supervise.js';

/** A supervisor over fake consumers: each start() is scripted, timers run when the test says. */
function harness(script: Array<(events: ConsumerEvents) => void | 'throw'>, delaysMs = [10, 20, 30]) {
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const ready: boolean[] = [];
  const disconnected: number[] = [];
  let started = 0;
  let gaveUp: Error | undefined;
  const opts: SuperviseOptions = {
    async start(events) {
      const n = started++;
      const step = script[n];
      if (!step) throw new Error(`unexpected start #${n}`);
      if (step(events) === 'throw') throw new Error(`connect refused #${n}`);
      return { disconnect: async () => void disconnected.push(n) };
    },
    delaysMs,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    onReady: (r) => ready.push(r),
    onGiveUp: (e) => (gaveUp = e),
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return {};
    },
    clearTimer: () => timers.splice(0),
  };
  const supervisor = superviseConsumer(opts);
  /** Runs the one pending restart and lets its start() settle. */
  const fire = async () => {
    assert.equal(timers.length, 1, 'exactly one restart pending');
    timers.shift()!.fn();
    await new Promise((r) => setImmediate(r));
  };
  return { supervisor, timers, ready, disconnected, fire, started: () => started, gaveUp: () => gaveUp };
}

const fatal = (events: ConsumerEvents) => events.onCrash(new Error('Failed to find group coordinator'), false);

test('a running consumer kafkajs gives up for good is replaced after the first delay, and joins again', async () => {
  let running: ConsumerEvents | undefined;
  const h = harness([(e) => ((running = e), e.onJoin()), (e) => e.onJoin()]);
  await h.supervisor.started;
  assert.deepEqual(h.ready, [true]);
  assert.equal(h.timers.length, 0, 'nothing pending while it runs');
  fatal(running!);
  assert.deepEqual(h.timers.map((t) => t.ms), [10]);
  assert.deepEqual(h.ready, [true, false]);
  await h.fire();
  assert.equal(h.started(), 2);
  assert.deepEqual(h.ready, [true, false, true]);
  assert.equal(h.timers.length, 0);
});

test('consecutive fatal crashes back off along delaysMs; a join resets the count', async () => {
  let running: ConsumerEvents | undefined;
  const h = harness([fatal, fatal, (e) => ((running = e), e.onJoin()), (e) => e.onJoin()]);
  await h.supervisor.started;
  assert.deepEqual(h.timers.map((t) => t.ms), [10]);
  await h.fire();
  assert.deepEqual(h.timers.map((t) => t.ms), [20]);
  await h.fire();
  assert.equal(h.started(), 3);
  assert.equal(h.timers.length, 0, 'joined: nothing pending');
  // After the join the count starts again from the first delay.
  fatal(running!);
  assert.deepEqual(h.timers.map((t) => t.ms), [10]);
  await h.fire();
  assert.equal(h.started(), 4);
});

test('a second fatal report while a restart is pending schedules nothing more', async () => {
  let running: ConsumerEvents | undefined;
  const h = harness([(e) => ((running = e), e.onJoin())]);
  await h.supervisor.started;
  fatal(running!);
  fatal(running!);
  assert.equal(h.timers.length, 1);
});

test('a crash kafkajs restarts by itself schedules nothing; readiness drops until the next join', async () => {
  const h = harness([(e) => (e.onJoin(), e.onCrash(new Error('connection closed'), true), e.onJoin())]);
  await h.supervisor.started;
  assert.deepEqual(h.ready, [true, false, true]);
  assert.equal(h.timers.length, 0);
  assert.equal(h.started(), 1);
});

test('a start that throws (broker down) is retried, and after delaysMs is exhausted the supervisor gives up once', async () => {
  const h = harness(['throw', 'throw', 'throw', 'throw'].map(() => () => 'throw' as const), [10, 20, 30]);
  await h.supervisor.started;
  await h.fire();
  await h.fire();
  await h.fire();
  assert.equal(h.started(), 4);
  assert.equal(h.timers.length, 0);
  assert.match(h.gaveUp()?.message ?? '', /connect refused #3/);
});

test('stop cancels a pending restart and disconnects the current consumer; nothing starts afterwards', async () => {
  const h = harness([(e) => e.onJoin(), fatal]);
  await h.supervisor.started;
  await h.supervisor.stop();
  assert.deepEqual(h.disconnected, [0]);
  assert.equal(h.timers.length, 0);

  const g = harness([fatal]);
  await g.supervisor.started;
  assert.equal(g.timers.length, 1);
  await g.supervisor.stop();
  assert.equal(g.timers.length, 0, 'pending restart cancelled');
  assert.equal(g.started(), 1);
});
