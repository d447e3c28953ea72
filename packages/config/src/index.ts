export { ConfigError, parseConfig } from './config.js';
export { Brokers, Host, LogLevel, Port, splitList, TopicPrefix } from './env.js';
