export { ConfigError, loadConfig } from './load';
export { CONFIG_KEYS, DATA_STORES, OPTIONS, placeholdersIn, WEB_TIERS } from './schema';
export type { Config, ConfigKey, DataStoreKind, Option, WebTierKind } from './schema';
export { STAGE_NUMBERS, STAGES } from './stages';
export type { StageNumber } from './stages';
