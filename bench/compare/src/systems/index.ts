import type { SystemName } from '../types.js';
import { startMqtt } from './mqtt.js';
import { startSeed } from './seed.js';
import { startSocketio } from './socketio.js';
import type { SystemHandle, SystemOptions } from './system.js';
import { startTidings } from './tidings.js';

export const START: Record<SystemName, (o: SystemOptions) => Promise<SystemHandle>> = {
  tidings: startTidings,
  seed: startSeed,
  socketio: startSocketio,
  mqtt: startMqtt,
};
