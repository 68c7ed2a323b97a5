/**
 * Where the predicted functions run. On AWS every invocation has its own execution environment, so
 * concurrent calls run in parallel and a function gets a vCPU share in proportion to its memory (1,769
 * MiB is one vCPU; the search code is single-threaded, so more gives no more speed). On the local
 * stack every environment is a process on the machine's few cores: a request cannot finish before its
 * total work divided by the cores, whatever its critical path.
 */
import { AWS_HOP, type MeasuredInputs } from './measured-inputs.ts';

/** Lambda gives one full vCPU at 1,769 MiB. */
export const MIB_PER_VCPU = 1769;

export interface Environment {
  readonly name: string;
  /** One warm synchronous Invoke round trip beyond the handler, ms. */
  readonly invokeMs: number;
  readonly payloadMsPerMiB: number;
  /** Cores shared by every function; undefined: one environment per invocation (Lambda). */
  readonly cores: number | undefined;
  /** Share of one vCPU a function of `memoryMiB` runs at. */
  cpuShare(memoryMiB: number): number;
}

export function awsEnvironment(): Environment {
  return {
    name: 'AWS Lambda',
    ...AWS_HOP,
    cores: undefined,
    cpuShare: (memoryMiB) => Math.min(1, memoryMiB / MIB_PER_VCPU),
  };
}

export function localEnvironment(inputs: MeasuredInputs, cores: number): Environment {
  return {
    name: `local stack, ${cores} cores`,
    invokeMs: inputs.invokeMs,
    payloadMsPerMiB: inputs.payloadMsPerMiB,
    cores,
    cpuShare: () => 1,
  };
}
