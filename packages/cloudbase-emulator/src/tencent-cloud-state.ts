/**
 * The state behind the fake Tencent Cloud API (tencent-cloud-api.ts): CloudBase environments and the SCF
 * functions of their namespaces, with the fields SCF's GetFunction answers (tencentcloud-sdk-nodejs-scf
 * 4.1.151 `scf_models.d.ts`: Runtime, Timeout, MemorySize, Environment.Variables, Status, StatusReasons,
 * Triggers) and the asynchronous-invocation settings (`AsyncTriggerConfig`).
 */

/** SCF function states (GetFunction `Status`; https://cloud.tencent.com/document/product/583/115197). */
export type FakeFunctionStatus = 'Creating' | 'Updating' | 'Active' | 'CreateFailed' | 'UpdateFailed' | 'Deleting';

/** One CloudBase environment as tcb DescribeEnvs lists it. */
export interface FakeEnvironment {
  envId: string;
  region: string;
  /** The SCF namespace of its functions (`Functions[0].Namespace`); the env id itself by default. */
  namespace?: string;
  alias?: string;
  /** `miniapp` for a WeChat cloud environment. */
  source?: string;
}

/** A timer trigger of a function. */
export interface FakeTimer {
  name: string;
  cron: string;
  enabled: boolean;
}

/** One SCF function. */
export interface FakeFunction {
  name: string;
  namespace: string;
  runtime: string;
  handler: string;
  timeout: number;
  memorySize: number;
  installDependency: 'TRUE' | 'FALSE';
  role?: string;
  stamp?: string;
  /** Environment.Variables, in order. */
  variables: { Key: string; Value: string }[];
  status: FakeFunctionStatus;
  statusReasons: { ErrorCode: string; ErrorMessage: string }[];
  timers: FakeTimer[];
  /** AsyncTriggerConfig.RetryConfig[0].RetryNum: retries of a failed asynchronous (timer) run. */
  retryNum: number;
  /** AsyncTriggerConfig.MsgTTL in seconds. */
  msgTtl: number;
  /** The last uploaded zip. */
  zip?: Buffer;
}

/** What a function seeded into the fake may leave out. */
export type FakeFunctionSeed = Pick<FakeFunction, 'name'> & Partial<Omit<FakeFunction, 'name'>>;

/** Where a write leaves a function once its transition is over, and after how many GetFunction reads. */
export interface FakeOutcome {
  status: FakeFunctionStatus | 'Deleted';
  /** GetFunction reads that still see the transitional state; Infinity for a function that never settles. */
  reads: number;
  reasons?: { ErrorCode: string; ErrorMessage: string }[];
}

/** SCF's default for asynchronous runs: a failed run is retried twice (SCF "错误类型与重试策略"). */
export const FAKE_DEFAULT_RETRY_NUM = 2;
/** The fake's message retention for asynchronous runs, 6 hours (an assumption; the real default is not documented here). */
export const FAKE_DEFAULT_MSG_TTL = 21_600;

/** An API error in Tencent Cloud's shape: `{"Response":{"Error":{"Code","Message"},"RequestId"}}`. */
export class TencentCloudApiError extends Error {
  override name = 'TencentCloudApiError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Environments and functions, with pending transitions. */
export class TencentCloudState {
  readonly environments: FakeEnvironment[] = [];
  readonly functions = new Map<string, FakeFunction>();
  private readonly pending = new Map<string, FakeOutcome>();
  private readonly planned = new Map<string, FakeOutcome>();

  constructor(readonly settleReads: number) {}

  /** The key of a function in {@link functions}. */
  static key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  /** Adds a function in its settled state (Active unless `status` says otherwise). */
  seed(namespace: string, seed: FakeFunctionSeed): FakeFunction {
    const fn: FakeFunction = {
      namespace,
      runtime: 'Nodejs18.15',
      handler: 'index.main',
      timeout: 3,
      memorySize: 256,
      installDependency: 'TRUE',
      variables: [],
      status: 'Active',
      statusReasons: [],
      timers: [],
      retryNum: FAKE_DEFAULT_RETRY_NUM,
      msgTtl: FAKE_DEFAULT_MSG_TTL,
      ...seed,
    };
    this.functions.set(TencentCloudState.key(namespace, seed.name), fn);
    return fn;
  }

  /** The function, or ResourceNotFound.Function as SCF answers for a missing one. */
  get(namespace: string, name: string): FakeFunction {
    const fn = this.functions.get(TencentCloudState.key(namespace, name));
    if (fn === undefined) throw new TencentCloudApiError('ResourceNotFound.Function', `未找到指定的Function，请创建后再试。(${name})`);
    return fn;
  }

  /** Makes the next write of `action` on the function end in `outcome` instead of Active. */
  planOutcome(namespace: string, name: string, action: string, outcome: Partial<FakeOutcome> & Pick<FakeOutcome, 'status'>): void {
    this.planned.set(`${TencentCloudState.key(namespace, name)} ${action}`, { reads: this.settleReads, ...outcome });
  }

  /** Puts the function into `transitional` after a write of `action`, settling after the planned number of reads. */
  startTransition(fn: FakeFunction, action: string, transitional: FakeFunctionStatus, settled: FakeOutcome['status']): void {
    const key = TencentCloudState.key(fn.namespace, fn.name);
    const plannedKey = `${key} ${action}`;
    const outcome = this.planned.get(plannedKey) ?? { status: settled, reads: this.settleReads };
    this.planned.delete(plannedKey);
    fn.status = transitional;
    fn.statusReasons = [];
    if (outcome.reads <= 0) this.settle(fn, outcome);
    else this.pending.set(key, { ...outcome });
  }

  /** Counts one GetFunction read of the function and applies its transition when due; false once it is deleted. */
  observe(fn: FakeFunction): boolean {
    const key = TencentCloudState.key(fn.namespace, fn.name);
    const pending = this.pending.get(key);
    if (pending === undefined) return true;
    if (pending.reads > 0) {
      pending.reads -= 1;
      return true;
    }
    this.pending.delete(key);
    return this.settle(fn, pending);
  }

  private settle(fn: FakeFunction, outcome: FakeOutcome): boolean {
    if (outcome.status === 'Deleted') {
      this.functions.delete(TencentCloudState.key(fn.namespace, fn.name));
      return false;
    }
    fn.status = outcome.status;
    fn.statusReasons = outcome.reasons ?? [];
    return true;
  }
}
