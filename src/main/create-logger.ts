import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '../config/config.ts';

/**
 * Release mode: JSON lines (for a log shipper). Debug mode: readable lines, coloured when writing to
 * a terminal. LOG_LEVEL overrides the level of either. `destination` defaults to stdout.
 */
export function createLogger(
  config: Pick<Config, 'mode' | 'logLevel'>,
  destination: DestinationStream = process.stdout,
): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'inventory-service' },
    redact: ['req.headers.authorization', 'databaseUrl'],
  };
  if (config.mode === 'debug') {
    const colorize = destination === process.stdout && process.stdout.isTTY === true;
    return pino(options, pretty({ colorize, sync: true, destination }));
  }
  return pino(options, destination);
}
