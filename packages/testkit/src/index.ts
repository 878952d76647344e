export { MissingBinaryError, postgresBinDir, requireBinary } from './binaries';
export {
  dynsecPluginPath,
  type MosquittoLayout,
  type MosquittoOptions,
  mosquittoConfig,
  type RunningMosquitto,
  SHIPPED_MOSQUITTO_CONF,
  startMosquitto,
} from './mosquitto';
export { freePort, waitForPort } from './ports';
export {
  type PostgresOptions,
  type RunningPostgres,
  signalPostgres,
  startPostgres,
} from './postgres';
export { reapWithParent } from './reaper';
export { sharedPostgres } from './shared';
