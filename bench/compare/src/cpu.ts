import { readdirSync, readFileSync } from 'node:fs';
import { cpuSeconds } from '@tidings/testkit';
import type { SystemName } from './types.js';

/**
 * Where a run's CPU goes, in three groups: the system's own servers, the
 * stores it leans on (Tidings: Kafka and Postgres; the seed and Socket.IO:
 * Redis; Mosquitto is the MQTT system itself), and the bench (client workers
 * and this orchestrator, which publishes). A comparison of "server CPU"
 * without the stores flatters whichever system keeps its work in them.
 */
export type CpuGroup = 'system' | 'stores' | 'bench';
export type CpuPids = Record<CpuGroup, Record<string, number[]>>;
/** Percent of one core per role, by group, over a window. */
export type CpuPct = Record<CpuGroup, Record<string, number>>;

export interface CpuWindow {
  /** The window so far: % of one core per role, and the total. */
  end(): { pct: CpuPct; totalPct: number; seconds: number };
}

/** Stores are found on /proc by what they run: every `postgres` process, the JVM running `kafka.Kafka`, `redis-server`. */
const STORES: Record<SystemName, Record<string, (comm: string, cmdline: string) => boolean>> = {
  tidings: {
    kafka: (_c, cmd) => cmd.includes('kafka.Kafka'),
    postgres: (c) => c === 'postgres',
  },
  seed: { redis: (c) => c === 'redis-server' },
  socketio: { redis: (c) => c === 'redis-server' },
  mqtt: {},
};

/**
 * The store processes of `system` running on this machine, by role. They
 * count as the system's only when nothing else uses them during the run,
 * which holds for the bench's loopback setup (the testkit's Kafka and
 * Postgres, the machine's otherwise idle Redis); a store on another host is
 * simply absent.
 */
export function storePids(system: SystemName): Record<string, number[]> {
  const matchers = Object.entries(STORES[system]);
  const out: Record<string, number[]> = Object.fromEntries(matchers.map(([role]) => [role, []]));
  if (matchers.length === 0) return out;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      for (const [role, match] of matchers) if (match(comm, cmdline)) out[role]!.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

function snapshot(pids: CpuPids): Map<string, number> {
  const seen = new Map<string, number>();
  for (const [group, roles] of Object.entries(pids)) {
    for (const [role, list] of Object.entries(roles)) {
      for (const pid of list) {
        try {
          seen.set(`${group}\0${role}\0${pid}`, cpuSeconds(pid));
        } catch {
          // exited (a killed node)
        }
      }
    }
  }
  return seen;
}

/**
 * Starts measuring. `pids` is asked again at the end, so processes started
 * inside the window (a restarted node, a new Postgres backend) count from
 * their start; a process gone by the end (a killed node) drops out.
 */
export function startCpuWindow(pids: () => CpuPids): CpuWindow {
  const t0 = performance.now();
  const before = snapshot(pids());
  return {
    end() {
      const seconds = (performance.now() - t0) / 1000;
      const pct: CpuPct = { system: {}, stores: {}, bench: {} };
      let total = 0;
      for (const [key, v] of snapshot(pids())) {
        const [group, role] = key.split('\0') as [CpuGroup, string];
        const p = ((v - (before.get(key) ?? 0)) / seconds) * 100;
        pct[group][role] = (pct[group][role] ?? 0) + p;
        total += p;
      }
      for (const g of Object.values(pct)) for (const role of Object.keys(g)) g[role] = tenth(g[role]!);
      return { pct, totalPct: tenth(total), seconds };
    },
  };
}

const tenth = (n: number): number => Math.round(n * 10) / 10;

/** CPU microseconds per message from % of a core at `perSec` messages/s. */
export const usPerMessage = (pct: number, perSec: number): number => (perSec > 0 ? tenth((pct / 100) * (1e6 / perSec)) : Number.NaN);

export const groupTotal = (roles: Record<string, number>): number => tenth(Object.values(roles).reduce((a, b) => a + b, 0));
