import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/**
 * `node --cpu-prof` for processes started with NODE_OPTIONS, where Node 20
 * refuses that flag: loaded with `--import`, it starts the V8 sampling
 * profiler at once and writes a .cpuprofile (Chrome DevTools / speedscope
 * format) into BENCH_CPU_PROF_DIR when the process exits. The in-process
 * inspector session answers synchronously, so this works in the `exit` hook.
 */
const dir = process.env['BENCH_CPU_PROF_DIR'];
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (err || !res) return;
      const name = (process.argv[1] ?? 'node').split('/').slice(-3).join('-').replace(/\.js$/, '');
      writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
