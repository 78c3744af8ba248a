export { ConfigError, loadConfig } from './load';
export type { Config, ConfigKey, DataStoreKind, Option, PriceClass, WafMode, WebTierKind } from './schema';
export { CONFIG_KEYS, DATA_STORES, OPTIONS, placeholdersIn, WEB_TIERS } from './schema';
export type { StageNumber } from './stages';
export { STAGE_NUMBERS, STAGES } from './stages';
