import os from 'os';

/** The machine the figures were taken on. */
export interface Machine {
  cpuModel: string;
  cores: number;
  node: string;
  platform: string;
  totalMemoryBytes: number;
}

/** Describes this machine: CPU model, logical cores, Node version, OS and memory. */
export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() || 'unknown CPU',
    cores: cpus.length,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    totalMemoryBytes: os.totalmem(),
  };
}

/** One line for humans, e.g. `AMD EPYC, 2 cores, Node v20.20.2, Linux 6.1 x64`. */
export function machineLine(machine: Machine): string {
  return `${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${machine.platform}, ${(machine.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB RAM`;
}
