export { ALL_RUNTIMES, LEGACY_RUNTIMES, OFFERED_RUNTIMES, runtimeNamed, type CloudBaseRuntime } from './runtimes';
export { RUNTIMES_DIR_VARIABLE, RuntimeInstallError, installRuntime, installRuntimes, runtimeBinary, runtimesDir } from './install';
