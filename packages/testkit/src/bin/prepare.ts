#!/usr/bin/env node
import { Type } from '@sinclair/typebox';
import { parseConfig } from '@tidings/config';
import { prepare } from '../stack/infra.js';

/** Creates the topics and applies migrations against KAFKA_BROKERS / DATABASE_URL (docker compose's setup step). */
const config = parseConfig(
  Type.Object({ KAFKA_BROKERS: Type.String({ minLength: 1 }), DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }), KAFKA_TOPIC_PREFIX: Type.String({ default: '' }) }),
  process.env,
);
await prepare(config.KAFKA_BROKERS, config.DATABASE_URL, config.KAFKA_TOPIC_PREFIX);
process.stdout.write('topics ready, database migrated\n');
