export { ConfigError, parseConfig } from './config.js';
export { Brokers, Host, httpTimeouts, HttpTimeoutsEnv, LogLevel, Port, splitList, TopicPrefix } from './env.js';
