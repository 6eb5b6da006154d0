import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '../config/config.ts';

/**
 * Release mode: JSON lines on stdout (for a log shipper). Debug mode: readable, coloured lines when
 * stdout is a terminal. LOG_LEVEL overrides the level of either.
 */
export function createLogger(config: Pick<Config, 'mode' | 'logLevel'>): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'inventory-service' },
    redact: ['req.headers.authorization', 'databaseUrl'],
  };
  if (config.mode === 'debug') {
    return pino(options, pretty({ colorize: process.stdout.isTTY === true, sync: true }));
  }
  return pino(options);
}
